"""The SDK's methods, one module per area of api.md (§2 auth and users … §10 second factors)."""
