"""Many rows into one table, fast: ``COPY`` on Postgres, the ORM's bulk methods elsewhere.

A bulk write of thousands of rows (a CSV import, a chunk of audit events) spent most of
its time in ``bulk_create``/``bulk_update``: a model object per row, then every value
prepared and quoted into one long statement. ``COPY`` streams plain values instead. Row
and statement triggers still fire for ``COPY``, and foreign keys are still checked, so
the database's own guards (the audit trail's append-only and chain checks) see these
rows exactly as they see an ``INSERT``.

Values are stored as given: no defaults, no ``auto_now``, no signals — the caller
supplies every value it wants written. Fields are named by attribute (``steward_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from psycopg import sql

Rows = Sequence[Sequence[Any]]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _columns(model: type[models.Model], fields: Sequence[str]) -> sql.Composed:
    identifiers = [sql.Identifier(_column(model, name)) for name in fields]
    return sql.SQL(", ").join(identifiers)


def _copy(table: str, columns: sql.Composable, rows: Rows) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), columns)
    # The raw cursor's errors, as Django's (``IntegrityError`` …), like any other query's.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def rows_insert(model: type[models.Model], fields: Sequence[str], rows: Rows) -> None:
    """Insert ``rows`` (values in the order of ``fields``) into ``model``'s table.

    JSON columns take their value as :func:`json_value` gives it.
    """
    if not rows:
        return
    if not _postgres():
        model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows]
        )
        return
    _copy(model._meta.db_table, _columns(model, fields), rows)


def rows_create(model: type[models.Model], fields: Sequence[str], rows: Rows) -> list[int]:
    """Insert ``rows`` as new rows with fresh ids, and return those ids in the same order.

    On Postgres the ids are drawn from the table's own sequence in one query, then written
    with the rows — no lookup afterwards of which id went where.
    """
    if not rows:
        return []
    if not _postgres():
        made = model._default_manager.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows]
        )
        return [int(obj.pk) for obj in made]
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    _copy(
        table,
        _columns(model, (model._meta.pk.attname, *fields)),
        [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)],
    )
    return ids


def rows_update(model: type[models.Model], fields: Sequence[str], rows: Rows) -> None:
    """Set ``fields`` of existing rows; each row holds the values, then the row's id.

    On Postgres the values go to a scratch table by ``COPY`` and one ``UPDATE … FROM``
    applies them; one ``UPDATE`` per row (or ``bulk_update``'s ``CASE`` per column) cost
    a few hundred microseconds a row.
    """
    if not rows:
        return
    if not _postgres():
        names = list(fields)
        objects = [model(pk=row[-1], **dict(zip(names, row[:-1], strict=True))) for row in rows]
        model._default_manager.bulk_update(objects, [_field_name(model, n) for n in names])
        return
    table, pk = model._meta.db_table, model._meta.pk.attname
    scratch = sql.Identifier(f"_update_{table}")
    columns = _columns(model, (*fields, pk))
    assignments = sql.SQL(", ").join(
        sql.SQL("{0} = u.{0}").format(sql.Identifier(_column(model, name))) for name in fields
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute(
            sql.SQL("CREATE TEMP TABLE {} AS SELECT {} FROM {} WITH NO DATA")
            .format(scratch, columns, sql.Identifier(table))
            .as_string(raw)
        )
        _copy(f"_update_{table}", columns, rows)
        cursor.execute(
            sql.SQL("UPDATE {} AS t SET {} FROM {} AS u WHERE t.{} = u.{}")
            .format(
                sql.Identifier(table),
                assignments,
                scratch,
                sql.Identifier(_column(model, pk)),
                sql.Identifier(_column(model, pk)),
            )
            .as_string(raw)
        )
        cursor.execute(sql.SQL("DROP TABLE {}").format(scratch).as_string(raw))


def _column(model: type[models.Model], attname: str) -> str:
    """The database column of the concrete field named ``attname`` (``steward_id``)."""
    return str(next(f.column for f in model._meta.concrete_fields if f.attname == attname))


def _field_name(model: type[models.Model], attname: str) -> str:
    return next(f.name for f in model._meta.concrete_fields if f.attname == attname)


def json_as_text() -> bool:
    """Whether :func:`rows_insert` takes a JSON column's value as JSON text (Postgres, where
    ``COPY`` parses it) rather than as the Python value (elsewhere). None is SQL NULL in both."""
    return _postgres()
