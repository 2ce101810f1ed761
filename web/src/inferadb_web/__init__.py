"""The web console (console.md): server-rendered pages over the public API, behind the gateway."""
