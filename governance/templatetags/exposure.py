"""``{% load exposure %}``: dates as people say them ("3 days ago", "in 89 days")."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from ..exposure.presenters import ago as ago_words
from ..exposure.presenters import until as until_words

register = template.Library()


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "3 days ago" — the exact time goes on hover."""
    return ago_words(moment)


@register.filter
def until(day: date | None) -> str:
    """ "in 89 days", "today", "3 days ago" for a date ahead (an expiry)."""
    return until_words(day)
