"""Client certificates: Ed25519 public keys a client signs its assertions with."""
