"""Clients: backend services of an organization that obtain vault tokens with certificates."""
