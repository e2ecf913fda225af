"""Many rows into one table, fast: ``COPY`` on Postgres, the ORM's bulk methods elsewhere.

Updates of many existing rows are one statement per chunk on Postgres, one ``UPDATE`` per
row elsewhere (:func:`rows_update`). A bulk write of thousands of rows (a CSV import, a
chunk of audit events) spent most of its time in ``bulk_create``/``bulk_update``: a
model object per row, then every value prepared and quoted into one long statement.
``COPY`` streams plain values instead. Row and statement triggers still fire for
``COPY``, and foreign keys are still checked, so the database's own guards (the audit
trail's append-only and chain checks) see these rows exactly as they see an ``INSERT``.

Values are stored as given: no defaults, no ``auto_now``, no signals — the caller
supplies every value it wants written. Fields are named by attribute (``steward_id``);
:func:`objects_update` also takes names (``steward``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from psycopg import sql

Rows = Sequence[Sequence[Any]]
# Rows per ``UPDATE`` statement on Postgres: each goes over as one JSON document.
UPDATE_CHUNK = 1000
Encoder = Callable[[Any], Any]


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

    Rows name distinct ids; rows not named are left alone. Values are Python values, JSON
    columns' too (None is SQL NULL, as the ORM stores it). On Postgres each chunk of
    ``UPDATE_CHUNK`` rows is one statement (:func:`_recordset_update`); elsewhere one
    ``UPDATE`` per row. ``bulk_update``'s ``CASE`` per column and row cost a few hundred
    microseconds a row — seconds an ingestion window for the datasets whose ``last_seen``
    every window widens, most of a re-scan of thousands of findings.
    """
    if not rows:
        return
    columns = [_field(model, name) for name in fields]
    # Refused before anything is written, even outside a transaction.
    for number, row in enumerate(rows, start=1):
        if len(row) != len(columns) + 1:
            raise ValueError(f"row {number} has {len(row)} values, not {len(columns) + 1}")
    if _postgres():
        _recordset_update(model, columns, rows)
    else:
        _update_each(model, columns, rows)


def objects_update(
    model: type[models.Model], fields: Sequence[str], objects: Sequence[Any]
) -> None:
    """Write ``fields`` (``steward`` or ``steward_id`` alike) of saved ``objects`` of ``model``."""
    names = [_field(model, name).attname for name in fields]
    rows = [[*(getattr(obj, name) for name in names), obj.pk] for obj in objects]
    rows_update(model, names, rows)


def _recordset_update(model: type[models.Model], columns: list[Any], rows: Rows) -> None:
    """``UPDATE … FROM jsonb_to_recordset(%s)``: a chunk's rows go over as one JSON document.

    Measured against ``COPY`` into a temporary table and ``UPDATE … FROM`` it, and against
    ``unnest`` of one array per column: as fast as ``COPY`` for a thousand rows a chunk,
    about twice as fast for a few hundred (no table created and dropped, which also leaves
    the system catalogs alone), and unlike arrays it sends JSON without escaping it again.
    A JSON value in the document is a JSON column's value as it is; a JSON null is SQL NULL.
    """
    pk: Any = model._meta.pk
    # Short names keep the document small; "pk" is the row's id.
    names = [f"c{n}" for n in range(len(columns))] + ["pk"]
    definitions = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(field.db_type(connection)))
        for name, field in zip(names, [*columns, pk], strict=True)
    )
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = v.{}").format(sql.Identifier(field.column), sql.Identifier(name))
        for name, field in zip(names[:-1], columns, strict=True)
    )
    encoders = [_json_encoder(field) for field in [*columns, pk]]
    with connection.cursor() as cursor:
        statement = (
            sql.SQL(
                "UPDATE {} AS t SET {} FROM jsonb_to_recordset(%s::jsonb) AS v({}) "
                "WHERE t.{} = v.pk"
            )
            .format(
                sql.Identifier(model._meta.db_table),
                assignments,
                definitions,
                sql.Identifier(pk.column),
            )
            .as_string(cursor.cursor)
        )
        for start in range(0, len(rows), UPDATE_CHUNK):
            chunk = rows[start : start + UPDATE_CHUNK]
            cursor.execute(statement, [_document(names, encoders, chunk)])


def _document(names: list[str], encoders: list[Encoder | None], rows: Rows) -> str:
    """``rows`` as a JSON array of objects keyed by ``names``, each value encoded for its column."""
    values = [list(column) for column in zip(*rows, strict=True)]
    for n, encode in enumerate(encoders):
        if encode is not None:
            values[n] = [None if value is None else encode(value) for value in values[n]]
    return json.dumps([dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)])


def _json_encoder(field: Any) -> Encoder | None:
    """How a value of ``field`` goes into JSON that Postgres reads back as the column's type.

    None: as it is (text, numbers, booleans, a JSON column's value). Dates and times go as
    ISO 8601 text, with every microsecond; decimals and UUIDs as text, losing nothing.
    """
    while field.is_relation:  # a foreign key holds its target's values
        field = field.target_field
    kind = field.get_internal_type()
    if kind in ("DateTimeField", "DateField", "TimeField"):
        return lambda value: value.isoformat()
    if kind in ("DecimalField", "UUIDField"):
        return str
    if kind == "JSONField" and field.encoder is not None:
        encoder = field.encoder
        return lambda value: json.loads(json.dumps(value, cls=encoder))
    return None


def _update_each(model: type[models.Model], columns: list[Any], rows: Rows) -> None:
    """One ``UPDATE`` per row, values prepared by their fields as a ``save()`` would."""
    pk: Any = model._meta.pk
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    statement = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
    )
    prepared = [
        [
            field.get_db_prep_save(value, connection)
            for field, value in zip([*columns, pk], row, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, prepared)


def _column(model: type[models.Model], name: str) -> str:
    """The database column of the concrete field ``name`` (``steward_id`` or ``steward``)."""
    return str(_field(model, name).column)


def _field(model: type[models.Model], name: str) -> Any:
    """The concrete field named ``name`` (``steward`` or ``steward_id``); else a clear error."""
    for field in model._meta.concrete_fields:
        if name in (field.attname, field.name):
            return field
    raise ValueError(f"{model.__name__} has no column {name!r}")


def json_as_text() -> bool:
    """Whether :func:`rows_insert` takes a JSON column's value as JSON text (Postgres, where
    ``COPY`` parses it) rather than as the Python value (elsewhere). None is SQL NULL in both."""
    return _postgres()
