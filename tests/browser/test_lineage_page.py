"""The lineage graph in a real browser: drawn, clickable, expandable, exportable."""

from datetime import UTC, datetime

import pytest

from graph.models import Column, Dataset
from graph.store.base import ColumnNode, DatasetNode, EdgeObservation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RAW = "snowflake://prod_db.raw.customers"
ORDERS = "snowflake://prod_db.raw.orders"
STG = "snowflake://prod_db.staging.stg_customers"
MART = "snowflake://prod_db.analytics.customer_orders"
CRM = "snowflake://prod_db.exports.crm_contacts"
WHEN = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def add_dataset(store, key: str, *columns: str) -> Dataset:
    database, schema, name = key.split("://")[1].split(".")
    found = Dataset.objects.create(
        key=key, platform="snowflake", database=database, schema=schema, name=name
    )
    store.merge_datasets([DatasetNode(key=key, platform="snowflake", name=found.qualified_name)])
    for ordinal, column in enumerate(columns, start=1):
        Column.objects.create(dataset=found, key=f"{key}#{column}", name=column, ordinal=ordinal)
    store.merge_columns(ColumnNode(key=f"{key}#{c}", dataset_key=key, name=c) for c in columns)
    return found


def feeds(upstream: str, downstream: str, **fields) -> EdgeObservation:
    return EdgeObservation(
        upstream=upstream,
        downstream=downstream,
        level="column" if "#" in upstream else "dataset",
        transformation_type=fields.pop("transformation_type", "CTAS"),
        first_seen=WHEN,
        last_seen=WHEN,
        **fields,
    )


@pytest.fixture
def warehouse(embedded_store):
    """raw.customers → stg_customers → customer_orders → crm_contacts, raw.orders → customer_orders."""
    datasets = {
        RAW: add_dataset(embedded_store, RAW, "id", "email"),
        ORDERS: add_dataset(embedded_store, ORDERS, "id", "amount"),
        STG: add_dataset(embedded_store, STG, "id", "email_hash"),
        MART: add_dataset(embedded_store, MART, "id", "email_hash"),
        CRM: add_dataset(embedded_store, CRM, "email_hash"),
    }
    embedded_store.merge_edges(
        [
            feeds(RAW, STG, masking="hashed", job="dbt.stg_customers"),
            feeds(STG, MART, transformation_type="MERGE", job="airflow.customer_orders"),
            feeds(ORDERS, MART, transformation_type="INSERT"),
            feeds(MART, CRM, transformation_type="COPY", execution_status="FAILED"),
            feeds(f"{RAW}#email", f"{STG}#email_hash", masking="hashed"),
            feeds(f"{STG}#email_hash", f"{MART}#email_hash"),
        ]
    )
    return datasets


def open_lineage(page, live_server, query: str) -> None:
    page.goto(f"{live_server.url}/lineage/?{query}")
    wait_drawn(page)


def wait_drawn(page) -> None:
    """Until cytoscape has laid the graph out (lineage.js sets data-state when it has)."""
    page.wait_for_function(
        "document.getElementById('cy') && document.getElementById('cy').dataset.state === 'ready'",
        timeout=15_000,
    )


def drawn_ids(page, selector: str = "node") -> set[str]:
    return set(page.evaluate(f"window.lineageGraph.elements({selector!r}).map(e => e.id())"))


def node_position(page, key: str) -> tuple[float, float]:
    """Where a node is on the screen, in page coordinates."""
    return tuple(
        page.evaluate(
            """(key) => {
                const node = window.lineageGraph.getElementById(key);
                const at = node.renderedPosition();
                const box = document.getElementById('cy').getBoundingClientRect();
                return [box.left + at.x, box.top + at.y];
            }""",
            key,
        )
    )


def test_lineage_page_draws_upstream_and_downstream(
    signed_in_page, live_server, warehouse, artifacts
):
    page = signed_in_page

    open_lineage(page, live_server, f"dataset={STG}&depth=2")

    assert drawn_ids(page) == {RAW, STG, MART, CRM}
    assert page.evaluate(f"window.lineageGraph.getElementById({STG!r}).hasClass('center')")
    assert page.evaluate(f"window.lineageGraph.getElementById('{RAW}->{STG}').hasClass('masked')")
    assert page.evaluate(f"window.lineageGraph.getElementById('{MART}->{CRM}').hasClass('failed')")
    # Left to right: upstream sits left of the centre, downstream to its right.
    assert node_position(page, RAW)[0] < node_position(page, STG)[0] < node_position(page, MART)[0]
    page.screenshot(path=str(artifacts / "lineage.png"), full_page=True)


def test_clicking_a_node_shows_its_details(signed_in_page, live_server, warehouse):
    page = signed_in_page
    open_lineage(page, live_server, f"dataset={STG}")

    page.mouse.click(*node_position(page, RAW))

    panel = page.locator("[data-side-panel]")
    panel.get_by_text(RAW).wait_for()
    assert "customers" in panel.inner_text()
    assert "unclassified" in panel.inner_text()
    link = panel.get_by_role("link", name="Open the dataset page")
    assert link.get_attribute("href") == f"/datasets/{warehouse[RAW].pk}/"


def test_double_click_expands_one_more_hop(signed_in_page, live_server, warehouse):
    page = signed_in_page
    open_lineage(page, live_server, f"dataset={STG}&depth=1")
    assert drawn_ids(page) == {RAW, STG, MART}

    page.mouse.dblclick(*node_position(page, MART))

    page.wait_for_function(
        f"window.lineageGraph.getElementById({ORDERS!r}).nonempty()"
        f" && window.lineageGraph.getElementById({CRM!r}).nonempty()",
        timeout=15_000,
    )
    wait_drawn(page)
    assert drawn_ids(page) == {RAW, STG, MART, ORDERS, CRM}
    assert drawn_ids(page, "node.center") == {STG}, "the page keeps its one centre"


def test_expand_upstream_button_adds_only_upstream(signed_in_page, live_server, warehouse):
    page = signed_in_page
    open_lineage(page, live_server, f"dataset={MART}&depth=1&direction=downstream")
    assert drawn_ids(page) == {MART, CRM}

    page.mouse.click(*node_position(page, MART))
    page.get_by_role("button", name="← Expand upstream").click()

    page.wait_for_function(f"window.lineageGraph.getElementById({ORDERS!r}).nonempty()")
    wait_drawn(page)
    assert drawn_ids(page) == {MART, CRM, STG, ORDERS}


def test_switching_to_columns_draws_columns_inside_their_datasets(
    signed_in_page, live_server, warehouse
):
    page = signed_in_page
    open_lineage(page, live_server, f"dataset={STG}&depth=1")

    page.get_by_text("Columns", exact=True).click()

    page.wait_for_function(
        f"window.lineageGraph.getElementById('{STG}#email_hash').nonempty()", timeout=15_000
    )
    wait_drawn(page)
    assert page.evaluate(f"window.lineageGraph.getElementById('{RAW}#email').parent().id()") == RAW
    assert f"{RAW}#email->{STG}#email_hash" in drawn_ids(page, "edge")
    assert "level=column" in page.url, "the address keeps the settings, to share or bookmark"


def test_hovering_an_edge_tells_how_the_data_moved(signed_in_page, live_server, warehouse):
    page = signed_in_page
    open_lineage(page, live_server, f"dataset={STG}&depth=1")
    middle = page.evaluate(
        f"""() => {{
            const at = window.lineageGraph.getElementById('{STG}->{MART}').renderedMidpoint();
            const box = document.getElementById('cy').getBoundingClientRect();
            return [box.left + at.x, box.top + at.y];
        }}"""
    )

    page.mouse.move(*middle)

    tooltip = page.locator("[data-edge-tooltip]")
    tooltip.wait_for(state="visible")
    assert "MERGE" in tooltip.inner_text()
    assert "airflow.customer_orders" in tooltip.inner_text()


def test_export_png_downloads_the_graph(signed_in_page, live_server, warehouse):
    page = signed_in_page
    open_lineage(page, live_server, f"dataset={STG}")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export PNG").click()

    assert download.value.suggested_filename == "lineage-stg_customers.png"


def test_dataset_page_draws_its_lineage(signed_in_page, live_server, warehouse):
    page = signed_in_page

    page.goto(f"{live_server.url}/datasets/{warehouse[MART].pk}/")
    wait_drawn(page)

    assert drawn_ids(page) == {RAW, STG, ORDERS, MART, CRM}


def test_a_large_neighbourhood_is_folded_by_schema(signed_in_page, live_server, embedded_store):
    """350 datasets downstream: drawn as schema groups, not 350 boxes."""
    page = signed_in_page
    add_dataset(embedded_store, RAW)
    keys = [f"snowflake://prod_db.wide{i % 7}.t{i}" for i in range(350)]
    embedded_store.merge_datasets(
        DatasetNode(key=key, platform="snowflake", name=key.split("://")[1]) for key in keys
    )
    embedded_store.merge_edges(feeds(RAW, key) for key in keys)

    open_lineage(page, live_server, f"dataset={RAW}&depth=1")

    groups = drawn_ids(page, "node.schema.folded")
    assert len(groups) == 7
    assert page.evaluate("window.lineageGraph.nodes().length") < 20
    page.mouse.dblclick(*node_position(page, "schema:snowflake:prod_db.wide0"))
    page.wait_for_function(f"window.lineageGraph.getElementById({keys[0]!r}).nonempty()")
    wait_drawn(page)
    assert page.evaluate(f"window.lineageGraph.getElementById({keys[0]!r}).parent().id()") == (
        "schema:snowflake:prod_db.wide0"
    )
