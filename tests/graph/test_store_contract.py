"""The graph store contract: every test runs on both backends with the same assertions.

The ``store`` fixture (tests/conftest.py) yields the embedded store on the test database
and the Neo4j store on the real server, each emptied first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from graph.store.base import (
    ColumnNode,
    Counts,
    DatasetNode,
    EdgeObservation,
    Reached,
    ReadObservation,
    column_key,
)

# The embedded store reaches the database only through a fixture that ``store`` requests
# dynamically, which pytest-django does not see when it decides which test databases to
# create; the mark makes it create them even when this module runs alone.
pytestmark = pytest.mark.django_db


def day(n: int) -> datetime:
    return datetime(2026, 6, n, tzinfo=UTC)


def ds(name: str) -> str:
    return f"snowflake://analytics.public.{name}"


def obs(up: str, down: str, first: int, last: int, *, level: str = "dataset", **extra):
    """An observation of ``up`` feeding ``down`` between two days of June."""
    return EdgeObservation(
        upstream=up,
        downstream=down,
        level=level,
        transformation_type=extra.pop("tt", "CTAS"),
        first_seen=day(first),
        last_seen=day(last),
        **extra,
    )


def col(name: str, column: str) -> str:
    return column_key(ds(name), column)


def dataset(name: str, **fields) -> DatasetNode:
    return DatasetNode(
        key=ds(name), platform="snowflake", name=f"analytics.public.{name}", **fields
    )


def column(name: str, column_name: str) -> ColumnNode:
    return ColumnNode(key=col(name, column_name), dataset_key=ds(name), name=column_name)


def read(who: str, key: str, first: int, last: int, count: int = 1, **extra) -> ReadObservation:
    return ReadObservation(
        principal=who,
        principal_kind="user",
        dataset_key=key,
        first_seen=day(first),
        last_seen=day(last),
        count=count,
        **extra,
    )


def chain(store, *names: str, first: int = 1, last: int = 2) -> None:
    """Merge dataset edges name[0] → name[1] → …"""
    store.merge_edges(
        obs(ds(a), ds(b), first, last) for a, b in zip(names, names[1:], strict=False)
    )


def reached(*pairs: tuple[str, int]) -> list[Reached]:
    return [Reached(key=ds(name), depth=depth) for name, depth in pairs]


def only_edge(store, up: str, down: str):
    [edge] = [e for e in store.edges_of(up) if e.downstream == down]
    return edge


# --- merging ----------------------------------------------------------------------------


def seed_everything(store) -> None:
    store.merge_datasets([dataset("orders", object_id="42", first_seen=day(1))])
    store.merge_columns([column("orders", "email")])
    store.merge_edges([obs(ds("raw"), ds("orders"), 1, 3, run_count=4, query_id="q1")])
    store.merge_edges([obs(col("raw", "mail"), col("orders", "email"), 1, 3, level="column")])
    store.merge_reads([read("alice", ds("orders"), 2, 3, count=5)])


def snapshot(store):
    return (
        store.counts(),
        store.edges_of(ds("orders")),
        store.edges_of(col("orders", "email")),
        store.readers(ds("orders")),
        store.get_dataset(ds("orders")),
    )


def test_merging_the_same_batch_twice_changes_nothing(store):
    seed_everything(store)
    first = snapshot(store)
    seed_everything(store)
    assert snapshot(store) == first
    assert first[0] == Counts(2, 2, dataset_edges=1, column_edges=1, principals=1, reads=1)


def test_merge_returns_rows_merged_and_creates_missing_endpoints(store):
    assert store.merge_edges([obs(ds("a"), ds("b"), 1, 1), obs(ds("b"), ds("c"), 1, 1)]) == 2
    a = store.get_dataset(ds("a"))
    assert (a.label, a.platform, a.name, a.kind) == (
        "Dataset",
        "snowflake",
        "analytics.public.a",
        "unknown",
    )
    store.merge_edges([obs(col("x", "id"), col("y", "id"), 1, 1, level="column")])
    store.merge_edges([obs(ds("x"), ds("y"), 1, 1)])
    assert store.counts() == Counts(datasets=5, columns=2, dataset_edges=3, column_edges=1)
    graph = store.neighbourhood(ds("x"), depth=1, level="column")
    columns = {(n.key, n.dataset_key) for n in graph.nodes if n.label == "Column"}
    assert columns == {(col("x", "id"), ds("x")), (col("y", "id"), ds("y"))}


def test_dataset_merge_updates_fields_but_keeps_known_object_id_and_earliest_first_seen(store):
    store.merge_edges([obs(ds("a"), ds("b"), 1, 1)])
    store.merge_datasets([dataset("a", object_id="7", kind="view", first_seen=day(5))])
    store.merge_datasets([dataset("a", first_seen=day(9))])
    a = store.get_dataset(ds("a"))
    assert (a.kind, a.object_id) == ("table", "7")
    # first_seen only moves earlier: an as_of before day 5 no longer sees the dataset.
    assert store.downstream(ds("a"), depth=1, as_of=day(4)) == []
    assert store.downstream(ds("a"), depth=1, as_of=day(5)) == reached(("b", 1))


def test_run_count_adds_only_when_the_time_range_widens(store):
    store.merge_edges([obs(ds("a"), ds("b"), 10, 12, run_count=3)])
    store.merge_edges([obs(ds("a"), ds("b"), 13, 14, run_count=2)])  # later: widens
    store.merge_edges([obs(ds("a"), ds("b"), 10, 12, run_count=3)])  # replayed window
    store.merge_edges([obs(ds("a"), ds("b"), 11, 13, run_count=9)])  # inside: replay
    store.merge_edges([obs(ds("a"), ds("b"), 5, 6, run_count=1)])  # earlier: widens
    edge = only_edge(store, ds("a"), ds("b"))
    assert (edge.run_count, edge.first_seen, edge.last_seen) == (6, day(5), day(14))
    assert edge.first_seen.tzinfo is not None and edge.first_seen.utcoffset().total_seconds() == 0


def test_additive_observations_add_their_runs_in_any_order(store):
    # Windows of days 1, 3 and 2, in that order; the caller counts only runs never merged.
    store.merge_edges([obs(ds("a"), ds("b"), 1, 1, run_count=2, additive=True)])
    store.merge_edges([obs(ds("a"), ds("b"), 3, 3, run_count=4, additive=True)])
    store.merge_edges([obs(ds("a"), ds("b"), 2, 2, run_count=1, additive=True)])  # inside
    store.merge_edges([obs(ds("a"), ds("b"), 2, 2, run_count=0, additive=True)])  # a replay
    [edge] = store.edges_of(ds("b"))
    assert (edge.run_count, edge.first_seen, edge.last_seen) == (7, day(1), day(3))
    t = ds("t")
    store.merge_reads([read("alice", t, 5, 5, 2, additive=True)])
    store.merge_reads([read("alice", t, 1, 9, 3, additive=True), read("bob", t, 4, 4, 0)])
    assert {(r.principal, r.count) for r in store.readers(t)} == {("alice", 5), ("bob", 0)}


def test_a_unit_commits_whole_or_not_at_all(store):
    with pytest.raises(RuntimeError, match="stopped mid-window"):
        with store.unit():
            store.merge_edges([obs(ds("a"), ds("b"), 1, 2)])
            assert [e.upstream for e in store.edges_of(ds("b"))] == [ds("a")]  # sees its writes
            store.ingest_state_save("snowflake:prod", {"windows": [["x", "y"]]})
            raise RuntimeError("stopped mid-window")
    assert store.edges_of(ds("b")) == [] and store.ingest_state("snowflake:prod") is None
    with store.unit():
        store.merge_edges([obs(ds("a"), ds("c"), 1, 2)])
        store.ingest_state_save("snowflake:prod", {"windows": [["a", "b"]]})
    assert [e.downstream for e in store.edges_of(ds("c"))] == [ds("c")]
    assert store.ingest_state("snowflake:prod") == {"windows": [["a", "b"]]}
    store.clear()
    assert store.ingest_state("snowflake:prod") is None


def test_repeats_within_one_batch_apply_in_order(store):
    store.merge_edges([obs(ds("a"), ds("b"), 10, 20, run_count=1)])
    store.merge_edges(
        [
            obs(ds("a"), ds("b"), 12, 15, run_count=3),  # inside [10, 20]: ignored
            obs(ds("a"), ds("b"), 5, 25, run_count=1),  # widens: +1
            obs(ds("a"), ds("b"), 12, 15, run_count=3),  # inside again: ignored
        ]
    )
    assert only_edge(store, ds("a"), ds("b")).run_count == 2


def test_latest_observation_sets_status_and_masking(store):
    store.merge_edges([obs(ds("a"), ds("b"), 1, 5, query_id="q1", job="nightly")])
    latest = dict(query_id="q2", job="hourly", job_version="v2", execution_status="FAILED")
    store.merge_edges([obs(ds("a"), ds("b"), 6, 10, tt="MERGE", masking="hashed", **latest)])
    # Older than day 10: its values lose to q2's.
    store.merge_edges([obs(ds("a"), ds("b"), 2, 7, tt="INSERT", masking="redacted")])
    edge = only_edge(store, ds("a"), ds("b"))
    assert (edge.transformation_type, edge.masking) == ("MERGE", "hashed")
    assert (edge.query_id, edge.job, edge.job_version, edge.execution_status) == (
        "q2",
        "hourly",
        "v2",
        "FAILED",
    )
    assert edge.level == "dataset"


def test_latest_observation_sets_the_openlineage_vocabulary(store):
    a, b = col("a", "email"), col("b", "email")
    store.merge_edges(
        [obs(a, b, 1, 5, level="column", flow_type="DIRECT", subtype="IDENTITY", masked=False)]
    )
    newer = dict(flow_type="DIRECT", subtype="TRANSFORMATION", masked=True, masking="hashed")
    store.merge_edges([obs(a, b, 6, 9, level="column", **newer)])
    older = dict(flow_type="INDIRECT", subtype="FILTER", masked=False)
    store.merge_edges([obs(a, b, 2, 3, level="column", **older)])
    edge = only_edge(store, a, b)
    assert (edge.flow_type, edge.subtype, edge.masked, edge.masking) == (
        "DIRECT",
        "TRANSFORMATION",
        True,
        "hashed",
    )


def test_an_edge_nobody_described_has_no_vocabulary(store):
    store.merge_edges([obs(ds("a"), ds("b"), 1, 2)])
    edge = only_edge(store, ds("a"), ds("b"))
    assert (edge.flow_type, edge.subtype, edge.masked) == (None, None, None)


@pytest.mark.parametrize(
    "bad", [dict(flow_type="SIDEWAYS"), dict(subtype="lower case"), dict(masked="yes")]
)
def test_the_vocabulary_is_checked_before_writing(store, bad):
    with pytest.raises(ValueError):
        store.merge_edges([obs(ds("a"), ds("b"), 1, 2, **bad)])
    assert store.counts().dataset_edges == 0


def test_naive_datetimes_are_refused(store):
    naive = obs(ds("a"), ds("b"), 1, 2)
    naive = replace(naive, first_seen=naive.first_seen.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.merge_edges([naive])


# --- origins: the warehouse's word wins, other claims are kept beside it ----------------

WAREHOUSE = dict(query_id="01b2-q", job="etl", masking="identity")
# An OpenLineage producer says the same copy is hashed, later than the warehouse saw it.
PRODUCER = dict(query_id="run-7", job="ns/job", masking="hashed", masked=True, origin="openlineage")


@pytest.mark.parametrize("order", ["warehouse first", "producer first"])
def test_the_warehouse_keeps_its_edge_and_a_producer_claim_is_flagged(store, order):
    seen = [obs(ds("a"), ds("b"), 1, 2, **WAREHOUSE), obs(ds("a"), ds("b"), 5, 5, **PRODUCER)]
    for observation in seen if order == "warehouse first" else reversed(seen):
        store.merge_edges([observation])

    edge = only_edge(store, ds("a"), ds("b"))
    assert (edge.origin, edge.masking, edge.masked, edge.query_id) == (
        "warehouse",
        "identity",
        None,
        "01b2-q",
    )
    assert (edge.first_seen, edge.last_seen, edge.run_count) == (day(1), day(2), 1)
    claim = edge.other_claim
    assert (claim.origin, claim.masking, claim.masked, claim.query_id, claim.last_seen) == (
        "openlineage",
        "hashed",
        True,
        "run-7",
        day(5),
    )
    assert edge.conflict


def test_a_claim_that_agrees_is_kept_without_conflict(store):
    store.merge_edges([obs(ds("a"), ds("b"), 1, 2, **WAREHOUSE)])
    store.merge_edges([obs(ds("a"), ds("b"), 3, 3, **{**PRODUCER, "masking": "identity"})])

    edge = only_edge(store, ds("a"), ds("b"))
    assert edge.other_claim.query_id == "run-7" and not edge.conflict


def test_the_latest_lower_claim_is_kept_and_replays_change_nothing(store):
    store.merge_edges([obs(ds("a"), ds("b"), 1, 2, **WAREHOUSE)])
    late = obs(ds("a"), ds("b"), 6, 6, **{**PRODUCER, "query_id": "run-8", "masking": "redacted"})
    store.merge_edges([late, obs(ds("a"), ds("b"), 5, 5, **PRODUCER)])
    first = only_edge(store, ds("a"), ds("b"))
    store.merge_edges([late, obs(ds("a"), ds("b"), 5, 5, **PRODUCER)])

    assert only_edge(store, ds("a"), ds("b")) == first
    assert (first.other_claim.query_id, first.other_claim.masking) == ("run-8", "redacted")
    assert (first.last_seen, first.run_count) == (day(2), 1), "claims never move the edge"


def test_producer_edges_merge_among_themselves_until_a_higher_origin_sees_them(store):
    store.merge_edges([obs(ds("a"), ds("b"), 3, 3, **PRODUCER)])
    store.merge_edges([obs(ds("a"), ds("b"), 4, 4, **{**PRODUCER, "query_id": "run-9"})])
    assert only_edge(store, ds("a"), ds("b")).run_count == 2

    store.merge_edges([obs(ds("a"), ds("b"), 1, 1, origin="dbt", job="dbt:model.x")])

    edge = only_edge(store, ds("a"), ds("b"))
    assert (edge.origin, edge.job, edge.run_count, edge.last_seen) == (
        "dbt",
        "dbt:model.x",
        1,
        day(1),
    )
    assert (edge.other_claim.origin, edge.other_claim.query_id) == ("openlineage", "run-9")


def test_the_latest_observation_sets_the_description(store):
    a, b = col("a", "email"), col("b", "email_hash")
    store.merge_edges([obs(a, b, 1, 1, level="column", description="md5(email)")])
    store.merge_edges([obs(a, b, 2, 2, level="column", description="SHA2(EMAIL, 256)")])
    store.merge_edges([obs(a, b, 1, 1, level="column", description="older")])

    assert only_edge(store, a, b).description == "SHA2(EMAIL, 256)"


def test_an_unknown_origin_is_refused_before_writing(store):
    with pytest.raises(ValueError, match="origin"):
        store.merge_edges([obs(ds("a"), ds("b"), 1, 2, origin="rumour")])
    assert store.counts().dataset_edges == 0


def test_a_fold_keeps_the_other_claim(store):
    store.merge_edges([obs(ds("src"), ds("old"), 1, 2, **WAREHOUSE)])
    store.merge_edges([obs(ds("src"), ds("old"), 5, 5, **PRODUCER)])
    store.merge_edges([obs(ds("x"), ds("new"), 1, 2)])
    store.rename_dataset(ds("old"), ds("new"))

    edge = only_edge(store, ds("src"), ds("new"))
    assert (edge.origin, edge.masking, edge.other_claim.masking, edge.conflict) == (
        "warehouse",
        "identity",
        "hashed",
        True,
    )


# --- traversals -------------------------------------------------------------------------


def test_upstream_and_downstream_respect_depth(store):
    chain(store, "a", "b", "c", "d")
    assert store.downstream(ds("a"), depth=1) == reached(("b", 1))
    assert store.downstream(ds("a"), depth=2) == reached(("b", 1), ("c", 2))
    assert store.upstream(ds("d"), depth=3) == reached(("c", 1), ("b", 2), ("a", 3))
    assert store.upstream(ds("a"), depth=5) == []
    assert store.downstream(ds("nowhere"), depth=5) == []


def test_diamond_reports_each_node_once_at_its_shortest_depth(store):
    chain(store, "a", "b", "d", "e")
    chain(store, "a", "c", "d")
    chain(store, "a", "x", "y", "z", "d")
    assert store.downstream(ds("a"), depth=10) == reached(
        ("b", 1), ("c", 1), ("x", 1), ("d", 2), ("y", 2), ("e", 3), ("z", 3)
    )


def test_a_dense_lattice_is_walked_without_enumerating_its_paths(store):
    # 10 layers of 6, each node feeding all of the next layer: 6**10 paths to the last
    # layer. A walk that enumerates paths instead of pruning never finishes this.
    layers = [["root"], *[[f"l{i}n{j}" for j in range(6)] for i in range(1, 11)]]
    store.merge_edges(
        obs(ds(up), ds(down), 1, 1)
        for above, below in zip(layers, layers[1:], strict=False)
        for up in above
        for down in below
    )
    expected = reached(
        *sorted(((n, i) for i in range(1, 11) for n in layers[i]), key=lambda p: (p[1], p[0]))
    )
    assert store.downstream(ds("root"), depth=20) == expected
    assert store.downstream(ds("root"), depth=20, as_of=day(1)) == expected
    assert len(store.upstream(ds("l10n0"), depth=10)) == 9 * 6 + 1


def test_cycle_terminates_with_correct_reach(store):
    chain(store, "a", "b", "c", "a")
    assert store.downstream(ds("a"), depth=20) == reached(("b", 1), ("c", 2))
    assert store.upstream(ds("a"), depth=20) == reached(("c", 1), ("b", 2))
    assert [p.nodes for p in store.paths(ds("a"), ds("c"), depth=20)] == [
        (ds("a"), ds("b"), ds("c"))
    ]


def test_column_lineage_is_walked_like_dataset_lineage(store):
    a, b, c = (col(n, "id") for n in "abc")
    store.merge_edges([obs(a, b, 1, 1, level="column"), obs(b, c, 1, 1, level="column")])
    assert store.downstream(a, depth=5) == [Reached(b, 1), Reached(c, 2)]
    assert store.upstream(c, depth=1) == [Reached(b, 1)]


def test_paths_between_two_nodes(store):
    chain(store, "a", "b", "d")
    chain(store, "a", "c", "d")
    chain(store, "a", "x", "y", "z", "d")
    found = store.paths(ds("a"), ds("d"), depth=3)
    assert [p.nodes for p in found] == [(ds("a"), ds("b"), ds("d")), (ds("a"), ds("c"), ds("d"))]
    assert [(e.upstream, e.downstream) for e in found[0].edges] == [
        (ds("a"), ds("b")),
        (ds("b"), ds("d")),
    ]
    assert found[0].edges[0].transformation_type == "CTAS"
    assert len(store.paths(ds("a"), ds("d"), depth=4)) == 3
    assert store.paths(ds("d"), ds("a"), depth=4) == []


def test_reach_from_several_sources(store):
    chain(store, "a", "b", "c")
    chain(store, "x", "c")
    found = store.reach([ds("a"), ds("x"), ds("missing")], depth=5)
    assert found == {
        ds("a"): reached(("b", 1), ("c", 2)),
        ds("x"): reached(("c", 1)),
        ds("missing"): [],
    }


def test_edges_from_a_frontier_of_datasets_and_columns(store):
    chain(store, "a", "b", "c")
    store.merge_edges(
        [
            obs(col("a", "x"), col("b", "x"), 1, 2, level="column", masked=False),
            obs(col("b", "x"), col("c", "x"), 5, 6, level="column", masked=True),
        ]
    )
    edges = store.edges_from([ds("a"), col("b", "x"), ds("nowhere")])
    assert [(e.upstream, e.downstream, e.level) for e in edges] == [
        (col("b", "x"), col("c", "x"), "column"),
        (ds("a"), ds("b"), "dataset"),
    ]
    assert edges[0].masked is True
    assert store.edges_from([col("b", "x")], as_of=day(3)) == []
    assert store.edges_from([]) == []
    into = store.edges_to([ds("c"), col("b", "x")])
    assert [(e.upstream, e.downstream) for e in into] == [
        (col("a", "x"), col("b", "x")),
        (ds("b"), ds("c")),
    ]
    assert store.edges_to([col("c", "x")], as_of=day(4)) == []


def test_edges_from_follows_a_renamed_key(store):
    chain(store, "a", "b")
    store.rename_dataset(ds("a"), ds("a2"))
    assert [(e.upstream, e.downstream) for e in store.edges_from([ds("a")])] == [
        (ds("a2"), ds("b"))
    ]
    # Keys taken from edges are current: asked so, the store looks up no former key.
    assert store.edges_from([ds("a2")], current=True) == store.edges_from([ds("a2")])
    assert store.edges_to([ds("b")], current=True) == store.edges_to([ds("b")])
    assert store.edges_from([ds("a")], current=True) == []


@pytest.mark.parametrize("bad", [0, 21, "3", True, 2.0, None])
def test_depth_is_checked_before_any_query(store, bad):
    for ask in (
        lambda: store.upstream(ds("a"), depth=bad),
        lambda: store.downstream(ds("a"), depth=bad),
        lambda: store.paths(ds("a"), ds("b"), depth=bad),
        lambda: store.reach([ds("a")], depth=bad),
        lambda: store.neighbourhood(ds("a"), depth=bad),
    ):
        with pytest.raises(ValueError, match="depth"):
            ask()


# --- neighbourhoods ---------------------------------------------------------------------


def test_neighbourhood_at_dataset_level(store):
    chain(store, "u", "a", "d1", "d2")
    graph = store.neighbourhood(ds("a"), depth=1)
    assert graph.center == ds("a") and not graph.truncated
    assert [n.key for n in graph.nodes] == [ds("a"), ds("d1"), ds("u")]
    assert [(e.upstream, e.downstream) for e in graph.edges] == [
        (ds("a"), ds("d1")),
        (ds("u"), ds("a")),
    ]
    down = store.neighbourhood(ds("a"), depth=2, direction="downstream")
    assert [n.key for n in down.nodes] == [ds("a"), ds("d1"), ds("d2")]


def test_neighbourhood_at_column_level(store):
    store.merge_columns([column("a", "id"), column("a", "email")])
    chain(store, "a", "b", "c")
    hashed = obs(col("a", "email"), col("b", "email_hash"), 1, 1, level="column", masking="hashed")
    store.merge_edges([hashed])
    graph = store.neighbourhood(ds("a"), depth=2, direction="downstream", level="column")
    columns = {n.key: n.dataset_key for n in graph.nodes if n.label == "Column"}
    assert columns == {
        col("a", "email"): ds("a"),
        col("a", "id"): ds("a"),
        col("b", "email_hash"): ds("b"),
    }
    assert [n.key for n in graph.nodes if n.label == "Dataset"] == [ds("a"), ds("b"), ds("c")]
    # a → b is explained by its column edge; b → c has none, so the dataset edge stays.
    assert [(e.level, e.upstream, e.downstream, e.masking) for e in graph.edges] == [
        ("column", col("a", "email"), col("b", "email_hash"), "hashed"),
        ("dataset", ds("b"), ds("c"), "identity"),
    ]


def test_neighbourhood_respects_limit_and_says_it_was_truncated(store):
    store.merge_edges(obs(ds("hub"), ds(f"leaf{i}"), 1, 1) for i in range(5))
    chain(store, "src", "hub")
    cut = store.neighbourhood(ds("hub"), depth=1, limit=3)
    assert cut.truncated
    assert [n.key for n in cut.nodes] == [ds("hub"), ds("leaf0"), ds("leaf1"), ds("leaf2")]
    assert all({e.upstream, e.downstream} <= {n.key for n in cut.nodes} for e in cut.edges)
    whole = store.neighbourhood(ds("hub"), depth=1, limit=6)
    assert not whole.truncated and len(whole.nodes) == 7
    with pytest.raises(ValueError, match="limit"):
        store.neighbourhood(ds("hub"), depth=1, limit=0)


# --- time -------------------------------------------------------------------------------


def test_as_of_hides_later_edges_and_datasets(store):
    store.merge_edges([obs(ds("a"), ds("b"), 1, 30), obs(ds("b"), ds("c"), 10, 30)])
    store.merge_edges([obs(ds("b"), ds("late"), 1, 30)])
    store.merge_datasets([dataset("late", first_seen=day(20))])
    assert store.downstream(ds("a"), depth=5) == reached(("b", 1), ("c", 2), ("late", 2))
    assert store.downstream(ds("a"), depth=5, as_of=day(5)) == reached(("b", 1))
    assert store.downstream(ds("a"), depth=5, as_of=day(10)) == reached(("b", 1), ("c", 2))
    assert store.upstream(ds("c"), depth=5, as_of=day(9)) == []
    early = store.edges_of(ds("b"), as_of=day(5))
    assert [(e.upstream, e.downstream) for e in early] == [(ds("a"), ds("b"))]
    assert len(store.paths(ds("a"), ds("c"), depth=5, as_of=day(9))) == 0
    assert store.reach([ds("a")], depth=5, as_of=day(5)) == {ds("a"): reached(("b", 1))}
    graph = store.neighbourhood(ds("b"), depth=1, as_of=day(5))
    assert [n.key for n in graph.nodes] == [ds("b"), ds("a")]
    assert store.neighbourhood(ds("late"), depth=1, as_of=day(5)).nodes == []


# --- renames ----------------------------------------------------------------------------


def seed_for_rename(store) -> None:
    store.merge_datasets([dataset("old", object_id="99")])
    store.merge_columns([column("old", "id")])
    chain(store, "src", "old", "dst")
    store.merge_edges([obs(col("src", "id"), col("old", "id"), 1, 2, level="column")])
    store.merge_reads([read("bob", ds("old"), 1, 2)])


def test_rename_keeps_edges_columns_and_resolves_the_old_key(store):
    seed_for_rename(store)
    before = store.counts()
    store.rename_dataset(ds("old"), ds("new"))
    node = store.get_dataset(ds("old"))
    assert (node.key, node.name, node.object_id) == (ds("new"), "analytics.public.new", "99")
    assert store.upstream(ds("old"), depth=1) == reached(("src", 1))
    assert store.downstream(ds("src"), depth=2) == reached(("new", 1), ("dst", 2))
    assert store.upstream(col("old", "id"), depth=1) == [Reached(col("src", "id"), 1)]
    assert [r.principal for r in store.readers(ds("old"))] == ["bob"]
    graph = store.neighbourhood(ds("new"), depth=1, level="column", direction="upstream")
    assert (col("new", "id"), ds("new")) in {(n.key, n.dataset_key) for n in graph.nodes}
    assert store.counts() == before


def test_writes_under_an_old_key_land_on_the_renamed_dataset(store):
    seed_for_rename(store)
    store.rename_dataset(ds("old"), ds("new"), name="analytics.public.new_name")
    before = store.counts()
    seed_for_rename(store)  # a replayed window from before the rename
    store.rename_dataset(ds("old"), ds("new"))  # and its rename, replayed
    assert store.counts() == before
    assert store.get_dataset(ds("new")).name == "analytics.public.new_name"


def test_rename_into_an_existing_dataset_folds_the_two(store):
    seed_for_rename(store)
    chain(store, "other", "new", first=3, last=4)
    store.merge_edges([obs(ds("src"), ds("new"), 3, 4, run_count=2)])
    store.rename_dataset(ds("old"), ds("new"))
    assert store.upstream(ds("new"), depth=1) == reached(("other", 1), ("src", 1))
    edge = only_edge(store, ds("src"), ds("new"))
    assert (edge.first_seen, edge.last_seen, edge.run_count) == (day(1), day(4), 3)
    assert store.get_dataset(ds("old")).key == ds("new")
    assert store.counts().datasets == 4  # src, dst, other, new


def test_rename_back_makes_the_first_key_current_again(store):
    seed_for_rename(store)
    store.rename_dataset(ds("old"), ds("new"))
    store.rename_dataset(ds("new"), ds("old"))
    assert store.get_dataset(ds("new")).key == ds("old")
    assert store.get_dataset(ds("old")).key == ds("old")
    assert store.downstream(ds("src"), depth=1) == reached(("old", 1))


# --- access history and counts -------------------------------------------------------------


def test_readers_most_recent_first_with_counts_accumulated(store):
    t = ds("t")
    store.merge_reads([read("alice", t, 1, 5, 2), read("bob", t, 1, 9), read("carol", t, 3, 9)])
    store.merge_reads([read("alice", t, 6, 7, 3), read("alice", t, 6, 7, 3)])
    found = store.readers(ds("t"))
    assert [r.principal for r in found] == ["bob", "carol", "alice"]
    alice = found[-1]
    assert (alice.first_seen, alice.last_seen, alice.count) == (day(1), day(7), 5)
    assert alice.principal_kind == "user"
    assert store.counts() == Counts(1, 0, dataset_edges=0, column_edges=0, principals=3, reads=3)


def test_counts_of_an_empty_store(store):
    assert store.counts() == Counts(datasets=0, columns=0, dataset_edges=0, column_edges=0)


# --- parameterization -------------------------------------------------------------------


def test_keys_that_look_like_cypher_or_sql_round_trip_harmlessly(store):
    evil = "snowflake://db.s.a'}) DETACH DELETE n //\"; DROP TABLE graph_store_node; --"
    chain(store, "x", "y")
    store.merge_datasets([DatasetNode(key=evil, platform="snowflake", name="a'})")])
    store.merge_edges([obs(evil, ds("x"), 1, 1, job="') MATCH (m) DETACH DELETE m //")])
    store.merge_reads([read("o'brien\" OR 1=1", evil, 1, 1)])
    assert store.get_dataset(evil).name == "a'})"
    assert store.downstream(evil, depth=2) == reached(("x", 1), ("y", 2))
    assert store.upstream(ds("y"), depth=2)[-1] == Reached(evil, 2)
    assert store.readers(evil)[0].principal == "o'brien\" OR 1=1"
    assert only_edge(store, evil, ds("x")).job == "') MATCH (m) DETACH DELETE m //"
    store.rename_dataset(evil, evil + "'2")
    assert store.get_dataset(evil).key == evil + "'2"
    assert store.counts() == Counts(3, 0, dataset_edges=2, column_edges=0, principals=1, reads=1)


def test_readers_of_many_datasets_answer_as_one_by_one(store):
    store.merge_reads([read("alice", ds("t"), 1, 5), read("bob", ds("t"), 1, 9)])
    store.merge_reads([read("carol", ds("u"), 2, 3)])
    store.rename_dataset(ds("u"), ds("u2"))  # asked by its old name, answered by the new

    many = store.readers_of([ds("t"), ds("u"), ds("none"), ds("t")])

    assert list(many) == [ds("t"), ds("u"), ds("none")]
    assert all(many[key] == store.readers(key) for key in many)
    assert [r.principal for r in many[ds("t")]] == ["bob", "alice"]
    assert [(r.principal, r.dataset_key) for r in many[ds("u")]] == [("carol", ds("u2"))]
    assert many[ds("none")] == []
