"""Retention: entries older than ``audit.retention_days`` are purged by a background job."""
