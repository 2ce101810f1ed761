"""The public HTTP entry of the InferaDB Management API: routing, sessions, limits, health."""
