"""Vault tokens: issuance (session and client assertion), refresh-token families, revocation."""
