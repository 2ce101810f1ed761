"""The audit service's typed errors; the common handler renders each as the JSON error body."""

from __future__ import annotations

from inferadb_common.errors import NotFound


class OrganizationNotFound(NotFound):
    default_message = "Organization not found"
