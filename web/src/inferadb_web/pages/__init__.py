"""The console's pages, one module per area of console.md C2."""
