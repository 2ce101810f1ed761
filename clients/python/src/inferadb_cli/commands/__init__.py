"""The command groups of ``inferadb``, one module each."""
