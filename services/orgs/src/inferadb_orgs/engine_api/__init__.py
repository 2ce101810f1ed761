"""The internal API the InferaDB engine calls (engine.md E2), served on its own listener."""
