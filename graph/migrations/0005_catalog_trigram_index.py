"""On Postgres, trigram indexes so catalog search by name or key stays fast on big catalogs.

The catalog's searches filter with ``icontains``, which Django turns into
``UPPER(col::text) LIKE UPPER('%…%')``; a GIN index over that expression with
``gin_trgm_ops`` serves it. pg_trgm is a trusted extension (a database owner may create
it); if it cannot be created the indexes are skipped, with a warning, and search still
works, just slower. A no-op on SQLite.

Databases migrated before these indexes belonged to the graph app hold them under the
names ``governance_dataset_*_trgm``: they are renamed, not rebuilt, so a fresh database
and an upgraded one end up with the same indexes.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

# (index, former name, expression over graph_dataset)
INDEXES = [
    ("graph_dataset_name_trgm", "governance_dataset_name_trgm", "UPPER(name::text)"),
    ("graph_dataset_key_trgm", "governance_dataset_key_trgm", "UPPER(key::text)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, former, _ in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {former} RENAME TO {name}")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:  # no privilege, or the contrib package is not installed
        logger.warning("pg_trgm unavailable (%s); catalog search indexes skipped.", exc)
        return
    for name, _, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON graph_dataset "
            f"USING gin (({expression}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        # No dependency on governance: where its former 0004 built the indexes, it ran
        # long before this; where it did not, it now does nothing.
        ("graph", "0004_store_edge_vocabulary"),
    ]

    operations = [migrations.RunPython(create, drop)]
