"""Chooses the graph store backend: ``graph.type`` (auto: Neo4j when a URI is set, else embedded).

The URI and credentials are ``NEO4J_URI``/``NEO4J_AUTH`` when the environment sets them,
else ``graph.uri``/``graph.credentials`` from the configuration file.
"""

from __future__ import annotations

import threading

from django.conf import settings

from lineage_portal.config import engine

from .base import GraphStore

_lock = threading.Lock()
_store: GraphStore | None = None


def build_store(*, uri: str | None = None, auth: str | None = None) -> GraphStore:
    """A new store for the given (or configured) connection; callers own its lifetime."""
    uri = settings.NEO4J_URI if uri is None else uri
    backend = engine().graph.type
    if backend == "embedded" or (backend == "auto" and not uri):
        from .embedded import EmbeddedStore

        return EmbeddedStore()
    from .neo4j import Neo4jStore

    return Neo4jStore(
        uri=uri,
        auth=settings.NEO4J_AUTH if auth is None else auth,
        database=settings.NEO4J_DATABASE,
        indexes=engine().graph.indexes,
        retry_seconds=settings.NEO4J_RETRY_SECONDS,
    )


def get_store() -> GraphStore:
    """The process-wide store: one Neo4j driver per process (it is thread-safe and costly)."""
    global _store
    with _lock:
        if _store is None:
            _store = build_store()
        return _store


def reset_store() -> None:
    """Forget the process-wide store (tests that switch backends)."""
    global _store
    with _lock:
        if _store is not None:
            _store.close()
        _store = None
