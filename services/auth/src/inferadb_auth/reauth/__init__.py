"""Re-authentication: a fresh proof of the session's holder for the routes of api.md §10's recent-session rule."""
