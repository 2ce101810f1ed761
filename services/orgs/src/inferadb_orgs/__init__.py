"""Orgs service: organizations, members, invitations, teams, vaults, grants, clients and tokens."""
