"""What other apps add to graph's pages arrives through graph.hooks; graph imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory

from graph import hooks


@pytest.fixture
def registered():
    keys: list[str] = []
    yield keys
    for key in keys:
        hooks.unregister(key)


@pytest.mark.django_db  # the panels other apps registered are asked too
def test_dashboard_panels_come_in_order_with_a_context_per_request(registered):
    registered += ["zz-late", "aa-early"]
    hooks.register_dashboard_panel(
        key="zz-late", template="late.html", context=lambda r: {"path": r.path}, order=500
    )
    hooks.register_dashboard_panel(
        key="aa-early", template="early.html", context=lambda r: {"n": 1}, order=1
    )

    panels = hooks.dashboard_panels(RequestFactory().get("/somewhere"))
    mine = [p for p in panels if p.key in registered]

    assert [p.template for p in mine] == ["early.html", "late.html"]
    assert mine[1].context == {"path": "/somewhere"}


@pytest.mark.django_db
def test_a_highlight_gets_the_drawn_datasets_and_gives_sorted_unique_edges(registered):
    registered.append("test-highlight")
    seen = []

    def edges(keys):
        seen.append(list(keys))
        return hooks.Highlighted(edges=["b->c", "a->b", "b->c"], description="Two edges.")

    hooks.register_lineage_highlight(key="test-highlight", label="Light them", edges=edges)

    [mine] = [h for h in hooks.lineage_highlights(["ds://a", "ds://b"]) if h["key"] in registered]

    assert seen == [["ds://a", "ds://b"]]
    assert mine == {
        "key": "test-highlight",
        "label": "Light them",
        "edges": ["a->b", "b->c"],
        "description": "Two edges.",
    }


def test_graph_imports_nothing_of_governance():
    """Governance registers with graph; graph never reaches back (architecture.md)."""
    offenders = []
    for path in (Path(settings.BASE_DIR) / "graph").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] == "governance"]
    assert not offenders
