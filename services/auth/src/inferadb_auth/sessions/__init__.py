"""Sessions: creation, listing, revocation and the gateway's introspection."""
