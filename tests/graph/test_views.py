"""The lineage pages and the lineage API, as a signed-in user and as a stranger sees them."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from graph.models import Column, Dataset, IngestionRun, ParseFailure, Source
from graph.selectors import catalog as catalog_selectors
from graph.selectors import lineage as lineage_selectors
from graph.store.base import ColumnNode, DatasetNode, EdgeObservation, StoreError

RAW = "snowflake://prod_db.raw.customers"
ORDERS = "snowflake://prod_db.raw.orders"
STG = "snowflake://prod_db.staging.stg_customers"
MART = "snowflake://prod_db.analytics.customer_orders"
FIRST = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

PAGES = [
    ("home", {}),
    ("dataset_list", {}),
    ("lineage_detail", {}),
    ("ingestion_run_list", {}),
    ("catalog_search", {}),
]


def catalog_dataset(key: str, *columns: str) -> Dataset:
    database, schema, name = key.split("://")[1].split(".")
    found = Dataset.objects.create(
        key=key, platform="snowflake", database=database, schema=schema, name=name
    )
    for ordinal, column in enumerate(columns, start=1):
        Column.objects.create(
            dataset=found,
            key=f"{key}#{column}",
            name=column,
            data_type="VARCHAR",
            ordinal=ordinal,
        )
    return found


def feeds(upstream: str, downstream: str, *, first_seen=FIRST, **fields) -> EdgeObservation:
    return EdgeObservation(
        upstream=upstream,
        downstream=downstream,
        level="column" if "#" in upstream else "dataset",
        transformation_type=fields.pop("transformation_type", "CTAS"),
        first_seen=first_seen,
        last_seen=LATER,
        **fields,
    )


@pytest.fixture
def warehouse(embedded_store):
    """raw.customers → staging.stg_customers → analytics.customer_orders ← raw.orders.

    raw.orders → customer_orders first appears in June, so an "as of" in April omits it.
    """
    datasets = {
        RAW: catalog_dataset(RAW, "id", "email"),
        ORDERS: catalog_dataset(ORDERS, "id", "amount"),
        STG: catalog_dataset(STG, "id", "email_hash"),
        MART: catalog_dataset(MART, "id", "email_hash", "total"),
    }
    embedded_store.merge_datasets(
        DatasetNode(key=d.key, platform="snowflake", name=d.qualified_name, first_seen=FIRST)
        for d in datasets.values()
    )
    embedded_store.merge_columns(
        ColumnNode(key=c.key, dataset_key=c.dataset.key, name=c.name)
        for c in Column.objects.select_related("dataset")
    )
    embedded_store.merge_edges(
        [
            feeds(RAW, STG, masking="hashed", job="dbt.stg_customers"),
            feeds(STG, MART, transformation_type="MERGE"),
            feeds(ORDERS, MART, first_seen=LATER, execution_status="FAILED"),
            feeds(f"{RAW}#email", f"{STG}#email_hash", masking="hashed"),
            feeds(f"{STG}#email_hash", f"{MART}#email_hash"),
            feeds(f"{ORDERS}#amount", f"{MART}#total", masking="aggregated", first_seen=LATER),
        ]
    )
    return datasets


@pytest.fixture
def run(db):
    source = Source.objects.create(name="prod-snowflake", kind="snowflake")
    found = IngestionRun.objects.create(
        source=source,
        window_start=FIRST,
        window_end=FIRST + timedelta(hours=1),
        status=IngestionRun.Status.SUCCEEDED,
        rows_read=1200,
        statements_kept=40,
        statements_filtered=1160,
        parse_failures=1,
        edges_written=17,
        duration_seconds=4.0,
        started_at=FIRST,
        finished_at=FIRST + timedelta(seconds=4),
    )
    ParseFailure.objects.create(
        run=found,
        query_id="01b-42",
        statement="EXECUTE IMMEDIATE :stmt",
        reason="Unsupported syntax: EXECUTE IMMEDIATE",
    )
    return found


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("ada", password="pw", first_name="Ada")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def graph_data(response) -> dict:
    """The JSON the page hands to lineage.js through json_script."""
    html = response.content.decode()
    start = html.index('<script id="graph-data" type="application/json">') + len(
        '<script id="graph-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def node_ids(elements: list[dict]) -> set[str]:
    return {e["data"]["id"] for e in elements if e["group"] == "nodes"}


# --- access ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), [*PAGES, ("dataset_detail", {"pk": 1})])
def test_a_stranger_is_sent_to_the_login_page(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api-lineage", "api-dataset-list"])
def test_a_stranger_is_refused_by_the_api(client, name):
    response = client.get(reverse(name), {"key": RAW})

    assert response.status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_every_page_renders_for_a_signed_in_user(signed_in, warehouse, run, name, kwargs):
    response = signed_in.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 200
    assert b"Lineage Portal" in response.content


def test_the_top_bar_shows_the_user_role_and_pages_that_exist(signed_in, warehouse):
    html = signed_in.get(reverse("home")).content.decode()

    assert "Ada" in html and "Viewer" in html
    for label in ("Dashboard", "Catalog", "Lineage", "Ingestion"):
        assert f">{label}</a>" in html
    assert ">Admin</a>" not in html, "only compliance admins see Admin"
    assert 'action="/accounts/logout/"' in html and 'method="post"' in html


def test_compliance_admins_see_admin(client, django_user_model, db):
    admin = django_user_model.objects.create_superuser("root", password="pw")
    client.force_login(admin)

    html = client.get(reverse("home")).content.decode()

    assert ">Admin</a>" in html
    assert "Compliance admin" in html


# --- dashboard ----------------------------------------------------------------


def test_dashboard_counts_what_the_portal_knows(signed_in, warehouse, run):
    dashboard = signed_in.get(reverse("home")).context["dashboard"]

    assert (dashboard.datasets, dashboard.columns, dashboard.sources) == (4, 9, 1)
    assert dashboard.graph.dataset_edges == 3 and dashboard.graph.column_edges == 3
    assert dashboard.last_run == run


def test_a_new_installation_is_shown_how_to_connect_a_warehouse(signed_in):
    html = signed_in.get(reverse("home")).content.decode()

    assert "Connect a warehouse" in html
    assert "python manage.py ingest snowflake" in html
    for variable in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD", "SNOWFLAKE_ROLE"):
        assert variable in html
    assert "<table" not in html


def test_dashboard_says_so_when_the_graph_store_is_down(signed_in, warehouse, monkeypatch):
    class Down:
        def counts(self):
            raise StoreError("Neo4j at bolt://db:7687 is unreachable")

    monkeypatch.setattr(catalog_selectors, "get_store", lambda: Down())

    response = signed_in.get(reverse("home"))

    assert response.status_code == 200
    assert "The lineage graph could not be reached" in response.content.decode()


# --- catalog ------------------------------------------------------------------


def test_catalog_lists_datasets_linking_to_their_pages(signed_in, warehouse):
    html = signed_in.get(reverse("dataset_list")).content.decode()

    for found in warehouse.values():
        assert reverse("dataset_detail", kwargs={"pk": found.pk}) in html


def test_catalog_searches_filters_and_sorts(signed_in, warehouse):
    def names(**params):
        page = signed_in.get(reverse("dataset_list"), params).context["page"]
        return [d.name for d in page.object_list]

    assert names(q="cust") == ["customer_orders", "customers", "stg_customers"]
    assert names(schema="raw") == ["customers", "orders"]
    assert names(platform="postgres") == []
    assert names(sort="-name")[0] == "stg_customers"
    assert names(sort="columns")[0] == "customer_orders"


def test_catalog_paginates(signed_in, db):
    for i in range(55):
        catalog_dataset(f"snowflake://db.s.t{i:02}")

    second = signed_in.get(reverse("dataset_list"), {"page": 2}).context["page"]

    assert second.number == 2 and len(second.object_list) == 5


def test_catalog_without_matches_says_so(signed_in, warehouse):
    html = signed_in.get(reverse("dataset_list"), {"q": "nothing-like-this"}).content.decode()

    assert "No datasets match" in html


def test_dataset_page_shows_identity_columns_neighbours_and_graph(signed_in, warehouse):
    stg = warehouse[STG]

    response = signed_in.get(reverse("dataset_detail", kwargs={"pk": stg.pk}))

    html = response.content.decode()
    assert STG in html and 'id="col-email_hash"' in html
    assert response.context["neighbours"] == {"upstream": 1, "downstream": 1}
    assert node_ids(graph_data(response)["elements"]) == {RAW, STG, MART}


def test_a_missing_dataset_is_a_friendly_404(signed_in, db):
    response = signed_in.get(reverse("dataset_detail", kwargs={"pk": 999}))

    assert response.status_code == 404
    assert "This dataset does not exist" in response.content.decode()


# --- search -------------------------------------------------------------------


def test_search_jumps_to_the_one_dataset_named(signed_in, warehouse):
    response = signed_in.get(reverse("catalog_search"), {"q": "stg_customers"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dataset_detail", kwargs={"pk": warehouse[STG].pk})


def test_search_jumps_to_a_column_on_its_dataset_page(signed_in, warehouse):
    response = signed_in.get(reverse("catalog_search"), {"q": "amount"})

    assert response["Location"] == (
        reverse("dataset_detail", kwargs={"pk": warehouse[ORDERS].pk}) + "#col-amount"
    )


def test_search_lists_several_matches(signed_in, warehouse):
    response = signed_in.get(reverse("catalog_search"), {"q": "email_"})

    assert response.status_code == 200
    assert [hit.qualified_name for hit in response.context["hits"]] == [
        "prod_db.analytics.customer_orders.email_hash",
        "prod_db.staging.stg_customers.email_hash",
    ]


def test_search_prefers_the_one_exact_name_over_partial_matches(signed_in, warehouse):
    response = signed_in.get(reverse("catalog_search"), {"q": "email"})

    assert response["Location"] == (
        reverse("dataset_detail", kwargs={"pk": warehouse[RAW].pk}) + "#col-email"
    )


def test_search_without_matches_says_so(signed_in, warehouse):
    html = signed_in.get(reverse("catalog_search"), {"q": "zzz"}).content.decode()

    assert "No dataset or column is named like" in html


# --- lineage page -------------------------------------------------------------


def test_lineage_page_draws_the_neighbourhood(signed_in, warehouse):
    response = signed_in.get(reverse("lineage_detail"), {"dataset": STG, "depth": 1})

    data = graph_data(response)
    assert response.status_code == 200
    assert data["center"] == STG
    assert node_ids(data["elements"]) == {RAW, STG, MART}
    assert data["query"] == {"depth": 1, "direction": "both", "level": "dataset", "as_of": ""}
    assert data["api_url"] == reverse("api-lineage")


def test_lineage_page_follows_direction_level_and_date(signed_in, warehouse):
    def drawn(**params):
        response = signed_in.get(reverse("lineage_detail"), {"dataset": MART, **params})
        return node_ids(graph_data(response)["elements"])

    assert drawn(direction="upstream", depth=1) == {MART, STG, ORDERS}
    assert drawn(direction="downstream") == {MART}
    assert drawn(direction="upstream", depth=2, as_of="2026-04-01") == {MART, STG, RAW}
    assert f"{MART}#total" in drawn(level="column", depth=1)


def test_lineage_page_without_a_dataset_offers_some(signed_in, warehouse):
    response = signed_in.get(reverse("lineage_detail"))

    assert response.status_code == 200
    assert "Find the dataset to start from" in response.content.decode()
    assert len(response.context["suggestions"]) == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"depth": "abc"}, "Depth must be a whole number from 1 to"),
        ({"depth": "0"}, "Depth must be a whole number from 1 to"),
        ({"depth": "99"}, "Depth must be a whole number from 1 to"),
        ({"direction": "sideways"}, "Direction must be upstream, downstream or both."),
        ({"level": "row"}, "Level must be dataset (tables) or column."),
        ({"as_of": "2026-13-45"}, "must be a date written YYYY-MM-DD"),
    ],
)
def test_invalid_lineage_settings_get_a_friendly_message(signed_in, warehouse, params, message):
    response = signed_in.get(reverse("lineage_detail"), {"dataset": STG, **params})

    html = response.content.decode()
    assert response.status_code == 400
    assert "These lineage settings cannot be drawn" in html
    assert message in html
    assert "Traceback" not in html


def test_an_unknown_dataset_key_gets_a_friendly_message(signed_in, warehouse):
    response = signed_in.get(reverse("lineage_detail"), {"dataset": "snowflake://no.such.table"})

    assert response.status_code == 404
    assert "No dataset with the key" in response.content.decode()


def test_a_catalog_dataset_without_lineage_is_drawn_alone(signed_in, warehouse):
    lonely = catalog_dataset("snowflake://prod_db.raw.lonely", "id")

    response = signed_in.get(reverse("lineage_detail"), {"dataset": lonely.key})

    assert node_ids(graph_data(response)["elements"]) == {lonely.key}


def test_lineage_page_reports_an_unreachable_store(signed_in, warehouse, monkeypatch):
    class Down:
        def get_dataset(self, key):
            raise StoreError("Neo4j at bolt://db:7687 is unreachable")

    monkeypatch.setattr(lineage_selectors, "get_store", lambda: Down())

    response = signed_in.get(reverse("lineage_detail"), {"dataset": STG})

    assert response.status_code == 503
    assert "Neo4j at bolt://db:7687 is unreachable" in response.content.decode()


# --- lineage API ----------------------------------------------------------------


def test_lineage_api_returns_elements_of_the_neighbourhood(signed_in, warehouse):
    response = signed_in.get(reverse("api-lineage"), {"key": STG})

    body = response.json()
    assert response.status_code == 200
    assert body["center"] == STG and body["truncated"] is False
    assert node_ids(body["elements"]) == {RAW, STG, MART}
    edges = {e["data"]["id"]: e for e in body["elements"] if e["group"] == "edges"}
    assert set(edges) == {f"{RAW}->{STG}", f"{STG}->{MART}"}
    assert "masked" in edges[f"{RAW}->{STG}"]["classes"]


def test_lineage_api_expands_one_direction(signed_in, warehouse):
    body = signed_in.get(
        reverse("api-lineage"), {"key": MART, "direction": "upstream", "depth": 2}
    ).json()

    assert node_ids(body["elements"]) == {MART, STG, ORDERS, RAW}
    failed = next(e for e in body["elements"] if e["data"]["id"] == f"{ORDERS}->{MART}")
    assert "failed" in failed["classes"]


def test_lineage_api_at_column_level_nests_columns_in_datasets(signed_in, warehouse):
    body = signed_in.get(reverse("api-lineage"), {"key": RAW, "level": "column"}).json()

    columns = {
        e["data"]["id"]: e["data"] for e in body["elements"] if e["data"].get("type") == "column"
    }
    assert columns[f"{RAW}#email"]["parent"] == RAW
    assert columns[f"{STG}#email_hash"]["parent"] == STG
    edge_ids = {e["data"]["id"] for e in body["elements"] if e["group"] == "edges"}
    assert f"{RAW}#email->{STG}#email_hash" in edge_ids


def test_lineage_api_links_nodes_to_their_dataset_pages(signed_in, warehouse):
    body = signed_in.get(reverse("api-lineage"), {"key": RAW}).json()

    raw = next(e for e in body["elements"] if e["data"]["id"] == RAW)
    assert raw["data"]["url"] == reverse("dataset_detail", kwargs={"pk": warehouse[RAW].pk})


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"depth": 0}, "depth"),
        ({"depth": "x"}, "depth"),
        ({"direction": "sideways"}, "direction"),
        ({"level": "row"}, "level"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_lineage_api_names_the_invalid_parameter(signed_in, warehouse, params, field):
    response = signed_in.get(reverse("api-lineage"), {"key": STG, **params})

    assert response.status_code == 400
    assert field in response.json()


def test_lineage_api_requires_a_key(signed_in, warehouse):
    response = signed_in.get(reverse("api-lineage"))

    assert response.status_code == 400
    assert "key" in response.json()


def test_lineage_api_unknown_key_is_404(signed_in, warehouse):
    response = signed_in.get(reverse("api-lineage"), {"key": "snowflake://no.such.table"})

    assert response.status_code == 404


def test_dataset_api_lists_and_shows_datasets_with_columns(signed_in, warehouse):
    listed = signed_in.get(reverse("api-dataset-list")).json()
    shown = signed_in.get(reverse("api-dataset-detail", kwargs={"pk": warehouse[RAW].pk})).json()

    assert listed["count"] == 4
    assert shown["key"] == RAW
    assert [c["name"] for c in shown["columns"]] == ["id", "email"]


# --- ingestion --------------------------------------------------------------------


def test_ingestion_page_lists_runs_with_their_counts(signed_in, run):
    html = signed_in.get(reverse("ingestion_run_list")).content.decode()

    assert "prod-snowflake" in html
    assert "1,200" in html and "40 / 1,160" in html and "300" in html  # rows/s
    assert reverse("ingestion_run_detail", kwargs={"pk": run.pk}) in html


def test_ingestion_page_explains_how_to_run_one_when_empty(signed_in):
    html = signed_in.get(reverse("ingestion_run_list")).content.decode()

    assert "No ingestion has run yet" in html
    assert "python manage.py ingest snowflake" in html


def test_run_page_shows_parse_failures_with_reasons(signed_in, run):
    html = signed_in.get(reverse("ingestion_run_detail", kwargs={"pk": run.pk})).content.decode()

    assert "Unsupported syntax: EXECUTE IMMEDIATE" in html
    assert "EXECUTE IMMEDIATE :stmt" in html


def test_a_missing_run_is_a_friendly_404(signed_in, db):
    response = signed_in.get(reverse("ingestion_run_detail", kwargs={"pk": 404}))

    assert response.status_code == 404
    assert "This ingestion run does not exist" in response.content.decode()


def test_as_of_before_the_dataset_existed_draws_nothing(signed_in, warehouse):
    response = signed_in.get(reverse("lineage_detail"), {"dataset": STG, "as_of": "2026-01-01"})

    assert response.status_code == 200
    assert graph_data(response)["elements"] == []


def test_the_lineage_page_search_jumps_to_the_lineage(signed_in, warehouse):
    response = signed_in.get(reverse("catalog_search"), {"q": "stg_customers", "to": "lineage"})

    assert response.status_code == 302
    assert response["Location"] == (
        reverse("lineage_detail") + "?dataset=snowflake%3A%2F%2Fprod_db.staging.stg_customers"
    )


# --- names as people paste them, and a column's own lineage ---------------------------


@pytest.mark.parametrize(
    "pasted",
    ["PROD_DB.RAW.CUSTOMERS.EMAIL", "raw.customers.email", '"PROD_DB"."RAW"."CUSTOMERS"."EMAIL"'],
)
def test_search_takes_a_column_name_as_pasted_from_the_warehouse(signed_in, warehouse, pasted):
    response = signed_in.get(reverse("catalog_search"), {"q": pasted})

    assert response["Location"] == (
        reverse("dataset_detail", kwargs={"pk": warehouse[RAW].pk}) + "#col-email"
    )


def test_search_takes_a_dataset_name_in_any_case(signed_in, warehouse):
    response = signed_in.get(reverse("catalog_search"), {"q": "  Staging.STG_Customers "})

    assert response["Location"] == reverse("dataset_detail", kwargs={"pk": warehouse[STG].pk})


def test_the_lineage_search_opens_a_columns_own_lineage(signed_in, warehouse):
    response = signed_in.get(
        reverse("catalog_search"), {"q": "raw.customers.email", "to": "lineage"}
    )

    assert response["Location"] == reverse("lineage_detail") + "?column=" + (
        f"{RAW}#email".replace(":", "%3A").replace("/", "%2F").replace("#", "%23")
    )


def test_a_column_opens_its_datasets_column_lineage_focused_on_it(signed_in, warehouse):
    response = signed_in.get(reverse("lineage_detail"), {"column": "PROD_DB.RAW.CUSTOMERS.EMAIL"})

    data = graph_data(response)
    assert response.status_code == 200
    assert data["focus"] == f"{RAW}#email" and data["query"]["level"] == "column"
    assert f"{RAW}#email" in node_ids(data["elements"])


def test_an_unknown_column_says_so(signed_in, warehouse):
    response = signed_in.get(reverse("lineage_detail"), {"column": "raw.customers.nope"})

    assert response.status_code == 404
    assert "No column named" in response.content.decode()


def test_a_truncated_neighbourhood_says_how_many_datasets_were_left_out(warehouse):
    lineage = lineage_selectors.lineage_get(key=STG, depth=2, limit=1)

    # raw.customers and customer_orders are within two hops; one of them is drawn.
    assert lineage.truncated and lineage.left_out == 1
