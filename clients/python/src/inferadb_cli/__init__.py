"""``inferadb``: the command line of the InferaDB Management API, built on ``inferadb_management`` (api.md §11)."""
