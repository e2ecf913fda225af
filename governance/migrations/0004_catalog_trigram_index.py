"""On Postgres, trigram indexes so catalog search by name/key stays fast on big catalogs.

``catalog_search`` filters with ``icontains``, which Django turns into
``UPPER(col::text) LIKE UPPER('%…%')``; a GIN index over that expression with
``gin_trgm_ops`` serves it. The tables belong to the graph app, but only governance's
search needs these indexes, so they live here. pg_trgm is a trusted extension (a
database owner may create it); if it cannot be created the indexes are skipped and
search still works, just slower. A no-op on SQLite.
"""

from django.db import DatabaseError, migrations, transaction

INDEXES = [
    ("governance_dataset_name_trgm", "graph_dataset", "UPPER(name::text)"),
    ("governance_dataset_key_trgm", "graph_dataset", "UPPER(key::text)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:  # no privilege, or the contrib package is not installed
        print(f"\n  pg_trgm unavailable ({exc}); catalog search indexes skipped.")
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_audit_append_only_trigger"),
        ("graph", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
