"""Signing in and out: password login, logout, CLI login with PKCE."""
