"""Routes other components call (never reachable through the gateway)."""
