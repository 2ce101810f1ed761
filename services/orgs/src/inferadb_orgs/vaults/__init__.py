"""Vaults of an organization and the user and team grants on them."""
