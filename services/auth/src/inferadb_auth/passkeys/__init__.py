"""Passkeys (WebAuthn): registration, sign-in with discoverable credentials, names, listing, removal."""
