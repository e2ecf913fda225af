"""A throwaway Postgres database for a benchmark, with Django set up on it and migrated.

The server is the one ``scripts/services.sh`` runs (``DATABASE_URL`` names it); the
database is created fresh, and dropped when the benchmark ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse

import psycopg

DEFAULT_SERVER = "postgres://lineage:lineage@127.0.0.1:54329/lineage"


def database_url(name: str) -> str:
    server = urlparse(os.environ.get("DATABASE_URL", DEFAULT_SERVER))
    return urlunparse(server._replace(path=f"/{name}"))


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(urlunparse(urlparse(url)._replace(path="/postgres")), autocommit=True)


def database_create(name: str) -> str:
    url = database_url(name)
    with _admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url


def database_drop(name: str) -> None:
    with _admin(database_url(name)) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


@contextmanager
def throwaway_database(name: str, *, checkpoints: str | None = None) -> Iterator[str]:
    """Create ``name``, point Django at it (local settings, DEBUG on), migrate; drop it after."""
    url = database_create(name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lineage_portal.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("AUDIT_CHECKPOINT_DIR", checkpoints or f"/tmp/{name}-audit")
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks run in-process
    import django
    from django.core.management import call_command

    django.setup()
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        database_drop(name)
