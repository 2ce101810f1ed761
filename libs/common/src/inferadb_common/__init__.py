"""Shared building blocks of the InferaDB Management API services.

Configuration, errors, ids, logging, metrics, storage, events (envelope, catalog, outbox,
idempotent consumers), internal identity and pagination. No business rules live here.
"""

__version__ = "0.1.0"
