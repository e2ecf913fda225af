"""Template filters that say the lineage side's data in words (``graph.presenters``)."""

from __future__ import annotations

from django import template

from graph import presenters
from graph.selectors.catalog import IngestionFailure, SearchHit
from graph.selectors.ingestion import BackfillProgress, WindowIssue

register = template.Library()


@register.filter
def backfill_words(progress: BackfillProgress) -> dict[str, str]:
    """``{% with words=progress|backfill_words %}``: the panel's words, as its JSON has them."""
    return presenters.backfill_words(progress)


@register.filter
def window_issue_words(issue: WindowIssue) -> dict[str, str]:
    """A listed window's link, span and reason, as the progress JSON has them."""
    return presenters.window_issue_words(issue)


@register.filter
def search_hit_url(hit: SearchHit) -> str:
    """The page a search hit links to."""
    return presenters.search_hit_url(hit)


@register.filter
def ingestion_failure_words(failure: IngestionFailure) -> dict[str, str]:
    """The dashboard's failed "Last ingestion": label, detail and link."""
    return presenters.ingestion_failure_words(failure)
