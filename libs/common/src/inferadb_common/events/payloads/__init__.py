"""The payload models of the catalog's events, one module per producing service's domain."""
