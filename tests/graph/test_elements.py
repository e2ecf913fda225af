"""Store subgraphs → cytoscape elements: what the lineage graph draws, and the catalog hook."""

from datetime import UTC, datetime

import pytest

from graph import elements
from graph.elements import split_name, subgraph_to_elements
from graph.store.base import Edge, Node, Subgraph

RAW = "snowflake://prod_db.raw.customers"
STG = "snowflake://prod_db.staging.stg_customers"
MART = "snowflake://prod_db.marts.contacts"
WHEN = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def dataset(key: str) -> Node:
    return Node(
        key=key, label="Dataset", name=key.split("://")[1], platform="snowflake", kind="table"
    )


def column(dataset_key: str, name: str) -> Node:
    return Node(key=f"{dataset_key}#{name}", label="Column", name=name, dataset_key=dataset_key)


def edge(upstream: str, downstream: str, **overrides) -> Edge:
    fields = dict(
        level="column" if "#" in upstream else "dataset",
        transformation_type="CTAS",
        first_seen=WHEN,
        last_seen=WHEN,
        run_count=3,
        query_id="q-1",
        job="dbt.stg_customers",
        job_version=None,
        execution_status="SUCCESS",
        masking="identity",
    )
    fields.update(overrides)
    return Edge(upstream=upstream, downstream=downstream, **fields)


def by_id(elements_: list[dict]) -> dict[str, dict]:
    return {element["data"]["id"]: element for element in elements_}


def test_datasets_become_nodes_named_by_table_with_schema_and_platform():
    graph = Subgraph(center=RAW, nodes=[dataset(RAW), dataset(STG)], edges=[edge(RAW, STG)])

    node = by_id(subgraph_to_elements(graph))[STG]

    assert node["group"] == "nodes"
    assert node["data"] == {
        "id": STG,
        "type": "dataset",
        "label": "stg_customers",
        "name": "prod_db.staging.stg_customers",
        "database": "prod_db",
        "schema": "staging",
        "platform": "snowflake",
        "kind": "table",
        "object_id": "",
    }
    assert node["classes"].split() == ["dataset", "cls-unclassified"]


def test_the_centre_is_marked():
    graph = Subgraph(center=RAW, nodes=[dataset(RAW), dataset(STG)], edges=[edge(RAW, STG)])

    drawn = by_id(subgraph_to_elements(graph))

    assert "center" in drawn[RAW]["classes"].split()
    assert "center" not in drawn[STG]["classes"].split()


def test_edges_carry_execution_metadata_for_the_tooltip():
    graph = Subgraph(center=RAW, nodes=[dataset(RAW), dataset(STG)], edges=[edge(RAW, STG)])

    drawn = by_id(subgraph_to_elements(graph))[f"{RAW}->{STG}"]

    assert drawn["group"] == "edges"
    assert drawn["data"]["source"] == RAW and drawn["data"]["target"] == STG
    assert drawn["data"]["transformation_type"] == "CTAS"
    assert drawn["data"]["job"] == "dbt.stg_customers"
    assert drawn["data"]["last_seen"] == "2026-06-01T12:00:00+00:00"
    assert drawn["data"]["run_count"] == 3
    assert drawn["data"]["execution_status"] == "SUCCESS"
    assert drawn["data"]["label"] == "CTAS"
    assert drawn["classes"].split() == ["level-dataset", "masking-identity"]


@pytest.mark.parametrize("masking", ["hashed", "redacted", "aggregated"])
def test_masked_edges_are_marked_and_labelled_with_a_lock(masking):
    graph = Subgraph(
        center=RAW, nodes=[dataset(RAW), dataset(STG)], edges=[edge(RAW, STG, masking=masking)]
    )

    drawn = by_id(subgraph_to_elements(graph))[f"{RAW}->{STG}"]

    assert "masked" in drawn["classes"].split()
    assert drawn["data"]["label"] == f"{elements.LOCK} {masking} · CTAS"


def test_failed_runs_are_marked_failed():
    graph = Subgraph(
        center=RAW,
        nodes=[dataset(RAW), dataset(STG)],
        edges=[edge(RAW, STG, execution_status="failed")],
    )

    drawn = by_id(subgraph_to_elements(graph))[f"{RAW}->{STG}"]

    assert "failed" in drawn["classes"].split()
    assert drawn["data"]["execution_status"] == "FAILED"


def test_columns_are_children_of_their_drawn_dataset_and_come_after_it():
    email_raw, email_stg = column(RAW, "email"), column(STG, "email_hash")
    graph = Subgraph(
        center=RAW,
        nodes=[email_raw, dataset(RAW), dataset(STG), email_stg],
        edges=[edge(email_raw.key, email_stg.key, masking="hashed")],
    )

    drawn = subgraph_to_elements(graph)
    nodes = [e for e in drawn if e["group"] == "nodes"]

    assert [n["data"]["type"] for n in nodes] == ["dataset", "dataset", "column", "column"]
    assert by_id(drawn)[email_raw.key]["data"]["parent"] == RAW
    assert by_id(drawn)[f"{email_raw.key}->{email_stg.key}"]["classes"].split()[0] == "level-column"


def test_a_column_whose_dataset_is_not_drawn_has_no_parent():
    graph = Subgraph(center=RAW, nodes=[dataset(RAW), column(MART, "email")])

    drawn = by_id(subgraph_to_elements(graph))

    assert "parent" not in drawn[f"{MART}#email"]["data"]


def test_edges_to_nodes_outside_a_truncated_subgraph_are_dropped():
    graph = Subgraph(
        center=RAW,
        nodes=[dataset(RAW), dataset(STG)],
        edges=[edge(RAW, STG), edge(STG, MART)],
        truncated=True,
    )

    drawn = by_id(subgraph_to_elements(graph))

    assert f"{STG}->{MART}" not in drawn
    assert f"{RAW}->{STG}" in drawn


def test_catalog_decorator_adds_fields_but_cannot_move_nodes():
    asked = []

    def classification(keys):
        asked.append(list(keys))
        return {RAW: {"classification": "restricted", "tags": ["pii"], "id": "x", "parent": "y"}}

    graph = Subgraph(center=RAW, nodes=[dataset(RAW), dataset(STG)], edges=[edge(RAW, STG)])

    drawn = by_id(subgraph_to_elements(graph, catalog=classification))

    assert asked == [[RAW, STG]], "one call with every key, so governance can answer in one query"
    assert drawn[RAW]["data"]["classification"] == "restricted"
    assert drawn[RAW]["data"]["tags"] == ["pii"]
    assert drawn[RAW]["data"]["id"] == RAW and "parent" not in drawn[RAW]["data"]
    assert "cls-restricted" in drawn[RAW]["classes"].split()
    assert "cls-unclassified" in drawn[STG]["classes"].split()


def test_registered_decorators_chain_and_later_ones_win(monkeypatch):
    # Other apps (governance) register theirs at start-up; this test owns an empty registry.
    monkeypatch.setattr(elements, "_registered", [])

    def first(keys):
        return {RAW: {"classification": "internal", "steward": "Ada"}}

    def second(keys):
        return {RAW: {"classification": "confidential"}}

    elements.register_catalog(first)
    elements.register_catalog(second)
    elements.register_catalog(first)  # registering twice changes nothing
    try:
        fields = elements.registered_catalog()([RAW])
    finally:
        elements.unregister_catalog(first)
        elements.unregister_catalog(second)

    assert fields == {RAW: {"classification": "confidential", "steward": "Ada"}}
    assert elements.registered_catalog()([RAW]) == {}


def test_an_empty_subgraph_draws_nothing_and_asks_no_catalog():
    def fail(keys):
        raise AssertionError("not called for an empty graph")

    assert subgraph_to_elements(Subgraph(center=RAW), catalog=fail) == []


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("prod_db.raw.customers", ("prod_db", "raw", "customers")),
        ("raw.customers", ("", "raw", "customers")),
        ("customers", ("", "", "customers")),
        ("project.dataset.schema.table", ("project.dataset", "schema", "table")),
    ],
)
def test_split_name(name, parts):
    assert split_name(name) == parts


# --- what an edge says about the value, and regulated data reaching a table -------------


def test_edges_say_what_happened_to_the_value_in_words():
    copied = edge(f"{RAW}#email", f"{STG}#email")
    hashed = edge(f"{RAW}#email", f"{STG}#email_hash", masking="hashed")
    counted = edge(f"{RAW}#email", f"{STG}#n", masking="aggregated")
    table = edge(RAW, STG, masking="unknown")

    assert elements.edge_words.masking_words(copied) == "copied unmasked"
    assert elements.edge_words.masking_words(hashed) == "hashed"
    assert elements.edge_words.masking_words(counted) == "counted, summed or averaged"
    assert elements.edge_words.masking_words(table) == "unknown (table-level lineage only)"
    assert elements.edge_words.carries_value(copied)
    assert not elements.edge_words.carries_value(hashed)
    assert not elements.edge_words.carries_value(table)


class _OpenLineageEdge:
    """An edge with OpenLineage's vocabulary, as the store gains it."""

    def __init__(self, base: Edge, **fields):
        self.__dict__.update(base.__dict__, **fields)


def test_indirect_and_value_keeping_aggregates_follow_openlineage():
    base = edge(f"{RAW}#country", f"{STG}#email")
    joined = _OpenLineageEdge(base, flow_type="INDIRECT", subtype="JOIN", masked=None)
    maxed = _OpenLineageEdge(
        edge(f"{RAW}#email", f"{STG}#email", masking="aggregated"), flow_type="DIRECT", masked=False
    )

    assert elements.edge_words.masking_words(joined) == "used to join, value not copied"
    assert not elements.edge_words.carries_value(joined)
    assert elements.edge_words.masking_words(maxed).startswith("aggregated, real values kept")
    assert elements.edge_words.carries_value(maxed)


def test_a_table_edge_carries_regulated_data_when_a_column_edge_copies_it_unmasked():
    graph = Subgraph(
        center=RAW,
        nodes=[dataset(RAW), dataset(STG), dataset(MART)],
        edges=[edge(RAW, STG, masking="unknown"), edge(STG, MART, masking="unknown")],
    )
    column_edges = [
        edge(f"{RAW}#email", f"{STG}#email_hash", masking="hashed"),
        edge(f"{RAW}#phone", f"{STG}#phone"),
        edge(f"{STG}#phone", f"{MART}#phone"),
        edge(f"{RAW}#country", f"{STG}#country"),
    ]
    sensitive = {f"{RAW}#email": {"sensitive": True}, f"{RAW}#phone": {"sensitive": True}}

    drawn = subgraph_to_elements(
        graph,
        catalog=lambda keys: {k: v for k, v in sensitive.items() if k in keys},
        column_edges=column_edges,
    )

    by_id = {el["data"]["id"]: el for el in drawn if el["group"] == "edges"}
    first, second = by_id[f"{RAW}->{STG}"], by_id[f"{STG}->{MART}"]
    assert "unmasked-regulated" in first["classes"]
    assert first["data"]["value_text"] == "carries regulated data unmasked (phone)"
    # stg_customers.phone holds raw.customers.phone's value: its onward copy is regulated too.
    assert "unmasked-regulated" in second["classes"]


def test_a_hashed_or_non_sensitive_copy_is_not_drawn_as_exposed():
    graph = Subgraph(center=RAW, nodes=[dataset(RAW), dataset(STG)], edges=[edge(RAW, STG)])
    column_edges = [
        edge(f"{RAW}#email", f"{STG}#email_hash", masking="hashed"),
        edge(f"{RAW}#country", f"{STG}#country"),
    ]

    drawn = subgraph_to_elements(
        graph,
        catalog=lambda keys: {f"{RAW}#email": {"sensitive": True}},
        column_edges=column_edges,
    )

    (table_edge,) = [el for el in drawn if el["group"] == "edges"]
    assert "unmasked-regulated" not in table_edge["classes"]
    assert not table_edge["data"]["regulated_unmasked"]
