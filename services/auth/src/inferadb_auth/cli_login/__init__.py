"""CLI login with PKCE S256 (RFC 7636): a signed-in browser authorizes, the CLI redeems the code."""
