"""The engine integration's sending side: invalidation webhooks (engine.md E3) and vault sync (E4)."""
