"""The service's own Ed25519 keys for vault tokens: storage, rotation, the public JWKS."""
