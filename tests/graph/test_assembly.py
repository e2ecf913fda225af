"""A window's assembly: what statements add to the graph, aggregated per edge.

Pure bookkeeping over real parse results (``graph.sql.LineageParser``): no database.
Scheduled jobs repeat the same statements, so a statement's edges are worked out once per
parse result and defaults; these tests pin what that must never change.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from graph.ingestion.assembly import WindowAssembly
from graph.sources.base import AccessedColumn, AccessedObject, ColumnSource, QueryRecord
from graph.sql import LineageParser

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
P = "snowflake://"


def _record(sql: str, n: int, *, db="PROD", schema="RAW", status="SUCCESS", **extra):
    return QueryRecord(
        f"q{n}",
        sql,
        "INSERT",
        status,
        T0 + timedelta(minutes=n),
        user="ETL",
        role="TRANSFORMER",
        database=db,
        schema=schema,
        **extra,
    )


def _assemble(*records: QueryRecord, counted=None):
    parser, assembly = LineageParser(), WindowAssembly("snowflake", counted=counted)
    for record in records:
        result = parser.parse(
            record.text,
            dialect="snowflake",
            default_db=record.database,
            default_schema=record.schema,
        )
        assert not result.error, result.error
        assembly.add(record, result=result)
    batch = assembly.batch()
    return {(e.upstream, e.downstream): e for e in batch.edges}, batch


SQL = "INSERT INTO marts.t (email, email_hash) SELECT email, sha2(email) FROM s"


def test_a_repeated_statement_adds_every_run_to_the_same_edges():
    edges, _ = _assemble(*(_record(SQL, n) for n in (5, 1, 9)))
    edge = edges[(f"{P}prod.raw.s#email", f"{P}prod.marts.t#email")]
    assert (edge.run_count, edge.first_seen, edge.last_seen) == (
        3,
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=9),
    )
    assert edge.query_id == "q9", "the latest run's details win"
    assert edges[(f"{P}prod.raw.s", f"{P}prod.marts.t")].run_count == 3


def test_the_same_text_under_other_defaults_names_other_tables():
    edges, _ = _assemble(_record(SQL, 1), _record(SQL, 2, db="DEV", schema="RAW"))
    assert (f"{P}prod.raw.s", f"{P}prod.marts.t") in edges
    assert (f"{P}dev.raw.s", f"{P}dev.marts.t") in edges
    assert edges[(f"{P}dev.raw.s#email", f"{P}dev.marts.t#email")].run_count == 1


def test_a_dataset_edge_is_as_leaky_as_its_leakiest_value_carrying_column():
    leaky, _ = _assemble(_record(SQL, 1))
    assert leaky[(f"{P}prod.raw.s#email", f"{P}prod.marts.t#email_hash")].masking == "hashed"
    assert leaky[(f"{P}prod.raw.s", f"{P}prod.marts.t")].masking == "identity"
    hashed, _ = _assemble(_record("INSERT INTO marts.h (e) SELECT sha2(email) FROM s", 1))
    assert hashed[(f"{P}prod.raw.s", f"{P}prod.marts.h")].masking == "hashed"
    # Tables linked with no column between them: how the values changed is not known.
    counted, _ = _assemble(_record("INSERT INTO marts.c (n) SELECT count(*) FROM s", 1))
    assert [(pair, e.masking) for pair, e in counted.items()] == [
        ((f"{P}prod.raw.s", f"{P}prod.marts.c"), "unknown")
    ]


def test_the_warehouse_column_lineage_wins_over_the_parser():
    written = AccessedObject(
        "PROD.MARTS.T",
        columns=(
            AccessedColumn("EMAIL", direct_sources=(ColumnSource("PROD.RAW.S", "EMAIL"),)),
            AccessedColumn("EMAIL_HASH", direct_sources=(ColumnSource("PROD.RAW.U", "X"),)),
        ),
    )
    edges, _ = _assemble(_record(SQL, 1, objects_modified=(written,)))
    columns = {pair for pair, e in edges.items() if e.level == "column"}
    assert columns == {
        (f"{P}prod.raw.s#email", f"{P}prod.marts.t#email"),
        (f"{P}prod.raw.u#x", f"{P}prod.marts.t#email_hash"),
    }
    assert edges[(f"{P}prod.raw.s#email", f"{P}prod.marts.t#email")].masking == "identity"
    # A pair the parser did not see: the warehouse says where from, not how it changed.
    assert edges[(f"{P}prod.raw.u#x", f"{P}prod.marts.t#email_hash")].masking == "unknown"


def test_a_failed_run_only_updates_edges_that_exist_and_a_merged_moment_counts_no_run():
    edges, batch = _assemble(_record(SQL, 1, status="FAILED"))
    assert edges == {}
    assert {e.execution_status for e in batch.edges_if_known} == {"FAILED"}
    assert batch.columns == [], "a failed statement names no column for the catalog"
    counted, _ = _assemble(_record(SQL, 1), counted=lambda at: True)
    assert {e.run_count for e in counted.values()} == {0}
