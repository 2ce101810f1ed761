"""Audit service: records every domain event exactly once and serves the audit-log queries."""
