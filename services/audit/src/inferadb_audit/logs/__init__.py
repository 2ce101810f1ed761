"""The audit log: the query API, the export, and the SQL behind both."""
