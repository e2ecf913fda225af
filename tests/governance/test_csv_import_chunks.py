"""A CSV import judged and written a chunk at a time ends exactly as row by row would.

Allowed, refused and malformed rows are mixed across chunk boundaries; the outcome (rows
changed, refusals and their reasons, one audit event per change, a chain that verifies)
must not depend on where the chunks split, and a chunk's queries must not grow with its
rows.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, transaction
from django.test import override_settings
from django.utils import timezone

from governance import csv_io
from governance.audit import EVENT_FIELDS, AuditEntry, audit_events_append
from governance.audit_verify import audit_trail_verify
from governance.csv_io import CSV_COLUMNS, governance_csv_import
from governance.exposure.models import ExposureScan
from governance.models import AssetGovernance, AuditChainHead, AuditEvent
from lineage_portal.bulk_insert import rows_insert

from .factories import AssetGovernanceFactory, ColumnFactory, DatasetFactory


@pytest.fixture
def estate(world):
    """Six tables of the owner's steward (one with a column), two of a team, two ungoverned."""
    mine = [
        AssetGovernanceFactory(steward=world.person, dataset__name=f"mine_{n}") for n in range(6)
    ]
    ColumnFactory(dataset=mine[0].dataset, name="EMAIL")
    theirs = [
        AssetGovernanceFactory(steward=world.team, dataset__name=f"team_{n}") for n in range(2)
    ]
    bare = [DatasetFactory(name=f"bare_{n}") for n in range(2)]
    return world, mine, theirs, bare


def _file(estate) -> list[str]:
    world, mine, theirs, bare = estate
    m = [asset.key for asset in mine]
    return [
        ",".join(CSV_COLUMNS),
        f"{m[0]},,restricted,pii,Olive Owner,,",  # 2 applied
        f"{m[1]},,internal,,Olive Owner,,",  # 3 applied
        f"{theirs[0].key},,public,,,,",  # 4 refused: the team's table
        f"{m[2]},,confidential,pii;gdpr,Olive Owner,,",  # 5 applied
        f"{m[3]},,secret,,Olive Owner,,",  # 6 refused: no such level
        f"{m[0]},EMAIL,restricted,pii,,,",  # 7 applied: the column answers to its table
        f"{bare[0].key},,public,,,,",  # 8 refused: nobody stewards it
        f"{m[0]},,restricted,pii,Olive Owner,,",  # 9 unchanged: line 2 already did this
        "snowflake://prod_db.raw.nowhere,,public,,,,",  # 10 refused: not in the catalog
        f"{m[1]},,confidential,gdpr,Olive Owner,,",  # 11 applied: on top of line 3
        f"{m[4]},,public,pii;nope,Olive Owner,,",  # 12 refused: unknown tag
        f"{m[5]},,internal,,Olive Owner,,2031-02-30",  # 13 refused: no such date
        f"{theirs[1].key},,internal,,Olive Owner,,",  # 14 refused: the team's table
        f"{m[4]},,public,,Olive Owner,,",  # 15 applied
        f"{m[0]},FAX,public,,,,",  # 16 refused: no such column
        f"{m[5]},,internal,sox,Olive Owner,,",  # 17 applied
    ]


APPLIED = [2, 3, 5, 7, 11, 15, 17]
REFUSED = {
    4: "may not change",
    6: "'secret'",
    8: "may not change",
    10: "Unknown catalog dataset",
    12: "'nope'",
    13: "2031-02-30",
    14: "may not change",
    16: "no column 'FAX'",
}


def _governance(estate) -> dict[str, tuple]:
    world, mine, theirs, bare = estate
    rows = AssetGovernance.objects.select_related("steward").prefetch_related("tags")
    return {
        asset.key: (
            asset.classification,
            sorted(tag.slug for tag in asset.tags.all()),
            asset.steward.name if asset.steward else None,
            asset.version,
        )
        for asset in rows
    }


@pytest.mark.parametrize("chunk_rows", [1, 3, 5, 1000])
def test_where_the_chunks_split_changes_nothing(estate, monkeypatch, chunk_rows):
    world, mine, theirs, bare = estate
    monkeypatch.setattr(csv_io, "CHUNK_ROWS", chunk_rows)
    before = AuditEvent.objects.count()
    checked = governance_csv_import(actor=world.owner, lines=_file(estate), dry_run=True)
    assert AuditEvent.objects.count() == before  # the check writes nothing

    report = governance_csv_import(actor=world.owner, lines=_file(estate))

    assert (checked.applied, checked.unchanged, checked.errors) == (
        report.applied,
        report.unchanged,
        report.errors,
    )

    assert report.applied == APPLIED
    assert report.unchanged == [9]
    assert [error.line for error in report.errors] == sorted(REFUSED)
    for error in report.errors:
        assert REFUSED[error.line] in error.reason, (error.line, error.reason)
    state = _governance(estate)
    assert state[mine[0].key] == ("restricted", ["pii"], "Olive Owner", 1)
    assert state[mine[1].key] == ("confidential", ["gdpr"], "Olive Owner", 2)  # lines 3, 11
    assert state[mine[2].key] == ("confidential", ["gdpr", "pii"], "Olive Owner", 1)
    assert state[mine[3].key] == (None, [], "Olive Owner", 0)  # refused: left as it was
    assert state[mine[4].key] == ("public", [], "Olive Owner", 1)
    assert state[mine[5].key] == ("internal", ["sox"], "Olive Owner", 1)
    assert state[f"{mine[0].key}#email"] == ("restricted", ["pii"], None, 1)
    assert all(state[asset.key][3] == 0 for asset in theirs)
    assert not AssetGovernance.objects.filter(dataset__in=bare).exists()  # nothing left behind

    events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
    assert [event.reason for event in events] == [f"CSV import, line {n}" for n in APPLIED]
    assert {event.actor for event in events} == {"owner"}
    twice = [event for event in events if event.object_key == mine[1].key]
    assert [(e.before["version"], e.after["version"]) for e in twice] == [(0, 1), (1, 2)]
    assert twice[1].before["classification"] == "internal"  # the second saw the first
    assert twice[1].after == {"classification": "confidential", "tags": ["gdpr"], "version": 2}
    report_chain = audit_trail_verify()
    assert report_chain.intact, report_chain.problem
    assert AuditChainHead.objects.get().seq == events[-1].seq


def test_new_rows_get_their_own_tags_and_a_later_chunk_finds_them(world, monkeypatch):
    monkeypatch.setattr(csv_io, "CHUNK_ROWS", 2)
    table, other = DatasetFactory(name="fresh"), DatasetFactory(name="other")
    lines = [
        ",".join(CSV_COLUMNS),
        f"{table.key},,restricted,pii,Olive Owner,,2030-01-01",  # both created in chunk 1
        f"{other.key},,public,sox,,,",
        f"{table.key},,restricted,pii;gdpr,Olive Owner,,2030-01-01",  # chunk 2 adds a tag
    ]

    report = governance_csv_import(actor=world.admin, lines=lines, reason="yearly review")

    assert report.applied == [2, 3, 4]
    asset, second = (AssetGovernance.objects.get(dataset=t) for t in (table, other))
    assert sorted(asset.tags.values_list("slug", flat=True)) == ["gdpr", "pii"]
    assert list(second.tags.values_list("slug", flat=True)) == ["sox"]
    assert (asset.version, asset.next_review_due) == (2, date(2030, 1, 1))
    assert (second.version, second.classification) == (1, "public")
    assert asset.updated_by == world.admin
    assert audit_trail_verify().intact


def _lines(world, count: int, name: str) -> list[str]:
    """An admin's file of ``count`` changed rows, half of them for governed tables."""
    tables = [DatasetFactory(name=f"{name}_{n}") for n in range(count)]
    for table in tables[::2]:
        AssetGovernanceFactory(dataset=table, steward=world.person)
    return [",".join(CSV_COLUMNS)] + [
        f"{table.key},,restricted,pii;gdpr,Olive Owner,,2031-01-01" for table in tables
    ]


# Per import: the user's groups, then tags, stewards and policies. Per chunk: datasets,
# governance rows, their tags, the updates (one statement), fresh ids, old tags cleared,
# the chain head locked and moved, and two savepoints (the chunk's, the audit batch's)
# each with its release. Django does not see the COPY statements (rows, tags, events):
# one per table and chunk, whatever its rows.
PER_IMPORT, PER_CHUNK = 4, 12


def test_a_chunks_queries_do_not_grow_with_its_rows(
    world, monkeypatch, django_assert_max_num_queries
):
    audit_events_append(actor=world.admin, entries=[AuditEntry("t", "dataset", "k")])  # a head
    counts = []
    for count, chunk_rows in ((6, 2), (120, 40)):  # three chunks of 2 rows, then of 40
        monkeypatch.setattr(csv_io, "CHUNK_ROWS", chunk_rows)
        lines = _lines(world, count, f"q{count}")
        admin = type(world.admin).objects.get(pk=world.admin.pk)  # its roles not yet read
        with django_assert_max_num_queries(PER_IMPORT + 3 * PER_CHUNK) as queries:
            report = governance_csv_import(actor=admin, lines=lines, reason="review")
        assert len(report.applied) == count
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_streamed_batch_that_does_not_continue_the_chain_is_refused(world):
    """``COPY`` fires the database's chain check as an ``INSERT`` does."""
    audit_events_append(actor=world.admin, entries=[AuditEntry("t", "dataset", "k")])
    head = AuditChainHead.objects.get()
    row = (head.seq + 1, timezone.now(), "mallory", None, "t", "dataset", "k")
    row += (None, None, "", "0" * 64, "f" * 64)  # its prev_hash is not the head's hash
    with pytest.raises(DatabaseError, match="does not continue the chain"), transaction.atomic():
        rows_insert(AuditEvent, EVENT_FIELDS, [row])
    assert AuditEvent.objects.count() == 1


@override_settings(EXPOSURE_AUTO_SCAN=True)
def test_an_import_asks_for_one_exposure_scan(
    estate, monkeypatch, django_capture_on_commit_callbacks
):
    world, *_ = estate
    monkeypatch.setattr(csv_io, "CHUNK_ROWS", 3)
    with django_capture_on_commit_callbacks(execute=False):
        checked = governance_csv_import(actor=world.owner, lines=_file(estate), dry_run=True)
        assert not ExposureScan.objects.exists()  # a check changes nothing
        report = governance_csv_import(actor=world.owner, lines=_file(estate))

    # The check, chunked too, saw what earlier rows would do (line 9 changes nothing).
    assert (checked.applied, checked.unchanged) == (report.applied, report.unchanged)
    assert report.applied == APPLIED
    scan = ExposureScan.objects.get()  # one for the import's 6 chunks
    assert (scan.trigger, scan.status) == ("CSV import of 7 changed rows", "queued")
