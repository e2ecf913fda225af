"""A dataset's lineage as a PDF, and the SVG drawing it embeds."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from governance.reports.models import ReportEntry
from governance.reports.svg import SvgEdge, SvgNode, lineage_svg
from graph.models import Dataset
from graph.store.base import DatasetNode, EdgeObservation

from ..factories import AssetGovernanceFactory, auditor_user, tag
from .conftest import body, pdf_text

RAW = "snowflake://prod_db.raw.customers"
STG = "snowflake://prod_db.staging.stg_customers"
DIM = "snowflake://prod_db.analytics.dim_customers"
EXPORT = "snowflake://prod_db.marts.marketing_export"
AT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def leak(embedded_store):
    """raw.customers (restricted, PII) → stg → marketing_export (unmasked) and → dim (hashed)."""
    for key in (RAW, STG, DIM, EXPORT):
        database, schema, name = key.split("://")[1].split(".")
        dataset = Dataset.objects.create(
            key=key, platform="snowflake", database=database, schema=schema, name=name
        )
        level = {RAW: "restricted", STG: "confidential", DIM: "internal"}.get(key)
        if level:
            asset = AssetGovernanceFactory(dataset=dataset, classification=level)
            if key == RAW:
                asset.tags.add(tag("pii"), tag("gdpr"))
    embedded_store.merge_datasets(
        DatasetNode(key=k, platform="snowflake", name=k.split("://")[1], first_seen=AT)
        for k in (RAW, STG, DIM, EXPORT)
    )
    embedded_store.merge_edges(
        [
            EdgeObservation(
                upstream=RAW,
                downstream=STG,
                level="dataset",
                transformation_type="CTAS",
                first_seen=AT,
                last_seen=AT,
                masking="identity",
            ),
            EdgeObservation(
                upstream=STG,
                downstream=EXPORT,
                level="dataset",
                transformation_type="CTAS",
                first_seen=AT,
                last_seen=AT,
                masking="identity",
            ),
            EdgeObservation(
                upstream=STG,
                downstream=DIM,
                level="dataset",
                transformation_type="MERGE",
                first_seen=AT,
                last_seen=AT,
                masking="hashed",
            ),
        ]
    )


def test_the_lineage_pdf_has_title_legend_colours_and_masked_edges(client, db, leak, tmp_path):
    client.force_login(auditor_user(username="audrey"))
    response = client.get(
        reverse("report_generate", args=["lineage", "pdf"]),
        {"dataset": RAW, "depth": 3, "direction": "downstream"},
    )
    assert response.status_code == 200, response.content[:300]
    data = body(response)
    text = pdf_text(data, tmp_path)
    assert "Lineage of prod_db.raw.customers" in text
    assert (
        "Legend" in text
        and "copied unmasked" in text
        and "masked (hashed, redacted, aggregated)" in text
    )
    assert "restricted · PII, GDPR" in text or "restricted · GDPR, PII" in text
    assert "marketing_export" in text and "hashed" in text
    entry = ReportEntry.objects.get()
    assert entry.kind == "lineage" and entry.row_counts == {"datasets": 4, "edges": 3}
    assert entry.parameters == {"dataset": RAW, "depth": 3, "direction": "downstream"}


def test_an_unknown_dataset_is_a_clear_error(client, db, embedded_store):
    client.force_login(auditor_user(username="audrey"))
    response = client.get(
        reverse("report_generate", args=["lineage", "pdf"]),
        {"dataset": "snowflake://nope.nope.nope"},
    )
    assert response.status_code == 400 and "no dataset" in response.content.decode()


def test_the_lineage_page_offers_the_pdf_to_auditors(client, db, leak):
    client.force_login(auditor_user(username="audrey"))
    page = client.get(reverse("lineage_detail"), {"dataset": RAW}).content.decode()
    assert (
        "Export PDF" in page
        and "/reports/lineage.pdf?dataset=snowflake%3A//prod_db.raw.customers" in page
    )


def test_svg_draws_left_to_right_with_classification_and_masking():
    nodes = [
        SvgNode("a", "customers", "prod_db.raw", "restricted", ("pii",)),
        SvgNode("b", "stg_customers", "prod_db.staging", "confidential"),
        SvgNode("c", "marketing_export", "prod_db.marts", ""),
        SvgNode("d", "dim_customers", "prod_db.analytics", "internal"),
    ]
    edges = [
        SvgEdge("a", "b", "identity"),
        SvgEdge("b", "c", "identity"),
        SvgEdge("b", "d", "hashed"),
        SvgEdge("c", "zzz", "identity"),
    ]
    svg = lineage_svg(nodes, edges, title="Path")
    root = ElementTree.fromstring(svg)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    rects = {r.get("stroke"): r for r in root.iterfind(".//s:g/s:rect", ns)}
    assert (
        "#9b1c1c" in rects and "#c2570c" in rects and "#1d5fbf" in rects
    )  # restricted, confidential, internal
    # Unclassified: dashed outline, no fill.
    dashed = [
        r
        for r in root.iterfind(".//s:g/s:rect", ns)
        if r.get("stroke-dasharray") and r.get("fill") == "none"
    ]
    assert dashed
    x = {t.text: float(t.get("x")) for t in root.iterfind(".//s:text", ns) if t.get("class") == "l"}
    assert x["customers"] < x["stg_customers"] < x["marketing_export"]  # upstream left
    paths = [p for p in root.iterfind(".//s:path", ns) if p.get("marker-end")]
    assert len(paths) == 3  # the edge to an unknown node is left out
    styles = sorted(p.get("marker-end") for p in paths)
    assert styles == ["url(#arrow-masked)", "url(#arrow-unmasked)", "url(#arrow-unmasked)"]
    masked = next(p for p in paths if p.get("marker-end") == "url(#arrow-masked)")
    assert masked.get("stroke-dasharray")
    assert "masked: hashed" in svg and "Legend" in svg
