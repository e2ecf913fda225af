"""What other apps add to the lineage side's pages, without the lineage side knowing them.

Like ``graph.elements.register_catalog``, each registry is filled by another app when it
starts (``AppConfig.ready``), and the pages ask the registry, never the app:

* **Dashboard panels**: a template and a function that returns its context. The home
  page draws every registered panel, in ``order``, below its own counts::

      register_dashboard_panel(
          key="findings", template="governance/exposure/_dashboard.html", context=overview
      )

* **Lineage highlights**: a named set of edges the explorer can light while dimming the
  rest ("Highlight exposure"). ``edges`` takes the keys of the datasets drawn and returns
  the ids of the edges to light (``upstream->downstream``, as ``graph.elements`` names
  them; table and column edges alike) and a sentence saying what they are::

      register_lineage_highlight(
          key="exposure", label="Highlight exposure", edges=exposure_edges
      )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class DashboardPanel:
    """A panel another app draws on the dashboard: its template and where its context comes from."""

    key: str
    template: str
    context: Callable[[HttpRequest], Mapping[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    """A panel ready for ``{% include panel.template with panel=panel.context %}``."""

    key: str
    template: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class Highlighted:
    """What a highlight lights in one drawing: edge ids and a sentence saying what they are."""

    edges: Sequence[str]
    description: str


@dataclass(frozen=True)
class LineageHighlight:
    """A toggle of the lineage explorer that lights a set of edges and dims the rest."""

    key: str
    label: str
    edges: Callable[[Sequence[str]], Highlighted]


_panels: dict[str, DashboardPanel] = {}
_highlights: dict[str, LineageHighlight] = {}


def register_dashboard_panel(
    *,
    key: str,
    template: str,
    context: Callable[[HttpRequest], Mapping[str, Any]],
    order: int = 100,
) -> None:
    """Draw ``template`` on the dashboard with ``context(request)``; a key registers once."""
    _panels[key] = DashboardPanel(key, template, context, order)


def dashboard_panels(request: HttpRequest) -> list[RenderedPanel]:
    """Every registered panel with its context for this request, in order."""
    ordered = sorted(_panels.values(), key=lambda panel: (panel.order, panel.key))
    return [RenderedPanel(p.key, p.template, p.context(request)) for p in ordered]


def register_lineage_highlight(
    *, key: str, label: str, edges: Callable[[Sequence[str]], Highlighted]
) -> None:
    """Offer a highlight toggle on the lineage explorer; a key registers once."""
    _highlights[key] = LineageHighlight(key, label, edges)


def lineage_highlights(dataset_keys: Sequence[str]) -> list[dict[str, Any]]:
    """Every registered highlight for the datasets drawn, JSON-ready for the explorer."""
    found = []
    for highlight in sorted(_highlights.values(), key=lambda h: h.key):
        lit = highlight.edges(dataset_keys)
        found.append(
            {
                "key": highlight.key,
                "label": highlight.label,
                "edges": sorted(set(lit.edges)),
                "description": lit.description,
            }
        )
    return found


def unregister(key: str) -> None:
    """Forget a panel or a highlight registered under ``key`` (tests)."""
    _panels.pop(key, None)
    _highlights.pop(key, None)
