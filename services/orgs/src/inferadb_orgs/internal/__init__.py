"""Routes other services call (never reachable through the gateway)."""
