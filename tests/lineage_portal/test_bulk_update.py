"""Many rows updated at once store exactly what ``save()`` would, on Postgres and on SQLite.

The same scenario runs on the test database (Postgres: one statement per chunk) and, in a
process of its own, on a migrated SQLite file (one ``UPDATE`` per row): text with quotes,
datetimes with offsets and microseconds, a nullable foreign key, integers, booleans and
JSON values of every shape — including a string that looks like JSON, which must stay a
string, and None, which must be SQL NULL — over more rows than one chunk.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from graph.models import Column, Dataset, OpenLineageEvent, Source
from lineage_portal.bulk_insert import UPDATE_CHUNK, objects_update, rows_update

REPO = Path(__file__).resolve().parents[2]
FIELDS = ("status", "reason", "event_time", "posted_by_id", "datasets", "body")
ROWS = 2 * UPDATE_CHUNK + 1  # three chunks on Postgres, the last of one row
UNTOUCHED = 2  # events after the named ones, which must keep their values
BODIES = (
    {"a": [1, 2.5], "ü": "✓", "nested": {"deep": None}},
    [1, "x", None, {"k": True}],
    '{"looks": "like JSON"}',  # a JSON string value: stored as a string, read back as one
    None,  # SQL NULL, not JSON null
    "",
    0,
)
OFFSET = timezone(timedelta(hours=5, minutes=30))


def _new_values(n: int, user_id: int) -> tuple:
    moment = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=OFFSET) + timedelta(seconds=n)
    return (
        ("refused", "failed")[n % 2],
        f'it\'s "row {n}" \\ ✓',
        None if n % 5 == 0 else moment,
        None if n % 3 == 0 else user_id,
        n + 7,
        BODIES[n % len(BODIES)],
    )


def _events() -> tuple[list[int], int, int]:
    """``ROWS + UNTOUCHED`` events as received, their poster's id, and another user's id."""
    users = get_user_model().objects
    poster = users.create_user("bulk-poster", password="p" * 20)
    other = users.create_user("bulk-other", password="p" * 20)
    source = Source.objects.create(name="bulk-update", kind=Source.Kind.OPENLINEAGE)
    OpenLineageEvent.objects.bulk_create(
        OpenLineageEvent(
            source=source,
            status="accepted",
            event_time=datetime(2020, 1, 1, tzinfo=UTC),
            posted_by=poster,
            job="unchanged",
            body={"old": True},
        )
        for _ in range(ROWS + UNTOUCHED)
    )
    pks = list(
        OpenLineageEvent.objects.filter(source=source).order_by("pk").values_list("pk", flat=True)
    )
    return pks, poster.pk, other.pk


def _check_events(pks: list[int], poster_id: int, user_id: int) -> None:
    stored = {event.pk: event for event in OpenLineageEvent.objects.filter(pk__in=pks)}
    for n, pk in enumerate(pks[:ROWS]):
        event = stored[pk]
        written = tuple(getattr(event, name) for name in FIELDS)
        assert written == _new_values(n, user_id), f"row {n}: {written}"
        assert event.job == "unchanged", f"row {n}: a field not named changed"
    for pk in pks[ROWS:]:
        event = stored[pk]
        kept = (event.status, event.event_time, event.posted_by_id, event.body)
        assert kept == ("accepted", datetime(2020, 1, 1, tzinfo=UTC), poster_id, {"old": True})
    null = set(
        OpenLineageEvent.objects.filter(pk__in=pks, body__isnull=True).values_list("pk", flat=True)
    )
    expected = {pk for n, pk in enumerate(pks[:ROWS]) if _new_values(n, user_id)[-1] is None}
    assert null == expected, "None in a JSON column must be SQL NULL"


def _check_columns() -> None:
    """``objects_update`` as the catalog uses it: a nullable integer, a boolean, text."""
    dataset = Dataset.objects.create(key="snowflake://bulk.s.t", platform="snowflake", name="t")
    columns = [
        Column.objects.create(
            dataset=dataset, key=f"{dataset.key}#c{n}", name=f"c{n}", ordinal=n + 1
        )
        for n in range(3)
    ]
    first, second, untouched = columns
    first.ordinal, first.documented_only, first.data_type = None, True, "varchar(16)"
    second.ordinal, second.description = 40, 'the customer\'s "primary" e-mail'
    objects_update(
        Column, ["data_type", "ordinal", "documented_only", "description"], [first, second]
    )
    stored = {c.name: c for c in Column.objects.filter(dataset=dataset)}
    assert (stored["c0"].ordinal, stored["c0"].documented_only, stored["c0"].data_type) == (
        None,
        True,
        "varchar(16)",
    )
    assert (stored["c1"].ordinal, stored["c1"].description) == (
        40,
        'the customer\'s "primary" e-mail',
    )
    assert (stored["c2"].ordinal, stored["c2"].documented_only) == (3, False)


def _check_refusals(pks: list[int]) -> None:
    """A row of the wrong length or an unknown field is refused, and nothing is written."""
    good = ("refused", "", None, None, 1, None, pks[-2])
    with pytest.raises(ValueError, match="row 2 has 2 values, not 7"):
        rows_update(OpenLineageEvent, FIELDS, [good, ("refused", pks[-1])])
    with pytest.raises(ValueError, match="no column 'nope'"):
        rows_update(OpenLineageEvent, ("nope",), [(1, pks[-1])])
    assert OpenLineageEvent.objects.get(pk=pks[-1]).status == "accepted"


def update_scenario() -> None:
    """Write ``ROWS`` events and a few columns in bulk, then read every value back."""
    pks, poster_id, user_id = _events()
    rows = [(*_new_values(n, user_id), pk) for n, pk in enumerate(pks[:ROWS])]
    rows_update(OpenLineageEvent, FIELDS, rows)
    _check_events(pks, poster_id, user_id)
    _check_columns()
    _check_refusals(pks)


def test_rows_update_on_postgres(db):
    update_scenario()


def test_a_chunk_is_one_statement_on_postgres(db):
    pks, _, user_id = _events()
    rows = [(*_new_values(n, user_id), pk) for n, pk in enumerate(pks[:ROWS])]
    with CaptureQueriesContext(connection) as queries:
        rows_update(OpenLineageEvent, FIELDS, rows)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 3 and len(queries) == 3


def test_objects_update_takes_field_names_or_attributes(db):
    pks, _, user_id = _events()
    event = OpenLineageEvent.objects.get(pk=pks[0])
    event.posted_by_id, event.body = user_id, {"by": "name"}
    objects_update(OpenLineageEvent, ["posted_by", "body"], [event])
    stored = OpenLineageEvent.objects.get(pk=pks[0])
    assert (stored.posted_by_id, stored.body, stored.status) == (
        user_id,
        {"by": "name"},
        "accepted",
    )


SCENARIO = """
import django
django.setup()
from tests.lineage_portal.test_bulk_update import update_scenario
update_scenario()
print("scenario passed")
"""


def test_rows_update_on_sqlite(sqlite_db):
    _, env = sqlite_db
    run = subprocess.run(
        [sys.executable, "-c", SCENARIO],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (run.returncode, run.stdout.strip()) == (0, "scenario passed"), run.stderr
