"""What every governance page shares: the permission gate, safe redirects, display values."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince

from graph.keys import ColumnKey, DatasetKey, is_column_key

from ..models import AuditEvent, review_state_of
from ..permissions import governance_required

PAGE_SIZE = 50


def governance_page(check: str = "view") -> Callable:
    """Gate a page with ``permissions.governance_required(check)``.

    A refusal — from the gate or from the service the view calls — is shown as a page in
    the portal's layout that says why, with status 403, never as a bare error.
    """

    def decorator(view: Callable) -> Callable:
        guarded = governance_required(check)(view)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return guarded(request, *args, **kwargs)
            except PermissionDenied as exc:
                return render(
                    request,
                    "governance/denied.html",
                    {"reason": str(exc) or "You may not do this."},
                    status=403,
                )

        return wrapped

    return decorator


def not_found(request: HttpRequest, thing: str, message: str) -> HttpResponse:
    """A 404 in the portal's layout with a way back (the lineage pages' own template)."""
    return render(request, "graph/not_found.html", {"thing": thing, "message": message}, status=404)


def next_url(request: HttpRequest, fallback: str) -> str:
    """Where a form came from (its ``next`` field), if that is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else fallback


def redirect_back(request: HttpRequest, fallback: str, anchor: str = "") -> HttpResponse:
    target = next_url(request, fallback)
    if anchor and "#" not in target:
        target = f"{target}#{anchor}"
    return redirect(target)


def paginate(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Page:
    return Paginator(items, size).get_page(request.GET.get("page"))


def querystring(request: HttpRequest, *drop: str) -> str:
    """The current query string without ``page`` (and ``drop``), for pager and sort links."""
    params = request.GET.copy()
    for name in ("page", *drop):
        params.pop(name, None)
    return params.urlencode()


# --- display values the templates cannot compute ----------------------------------------


@dataclass(frozen=True)
class Due:
    """A review date as people say it ("3 days overdue"), the exact date and its state."""

    text: str
    exact: str
    state: str  # overdue | due_soon | scheduled | unscheduled


def due(on: date | None, *, today: date | None = None) -> Due:
    today = today or timezone.localdate()
    state = review_state_of(on, today=today)
    if on is None:
        return Due("not scheduled", "No review date set", state)
    days = (on - today).days
    if days < 0:
        text = f"{-days} day{'s' if days != -1 else ''} overdue"
    elif days == 0:
        text = "due today"
    elif days == 1:
        text = "due tomorrow"
    else:
        text = f"due in {days} days"
    return Due(text, on.strftime("%A %d %B %Y"), state)


def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "3 days ago" — what the pages print next to a time."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@dataclass(frozen=True)
class Change:
    """One field of an audit event: what it was, what it became."""

    field: str
    before: str
    after: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


HIDDEN_FIELDS = {"version", "review", "suggestion"}
FIELD_LABELS = {
    "classification": "classification",
    "tags": "tags",
    "steward": "steward",
    "masking_policy": "masking",
    "next_review_due": "next review",
}


def event_changes(event: AuditEvent) -> list[Change]:
    """The fields an event changed, in words; tag lists as what was added and removed."""
    before, after = event.before or {}, event.after or {}
    names = [name for name in {**before, **after} if name not in HIDDEN_FIELDS]
    changes = []
    for name in names:
        old, new = before.get(name), after.get(name)
        label = FIELD_LABELS.get(name, name.replace("_", " "))
        if isinstance(old, list) or isinstance(new, list):
            old_set, new_set = set(old or ()), set(new or ())
            changes.append(
                Change(
                    label,
                    _text(old),
                    _text(new),
                    added=tuple(sorted(new_set - old_set)),
                    removed=tuple(sorted(old_set - new_set)),
                )
            )
        else:
            changes.append(Change(label, _text(old), _text(new)))
    return changes


def _text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class EventRow:
    """An audit event as a table row: the event, its changes in words, its version step."""

    event: AuditEvent
    changes: list[Change]
    version: str

    @property
    def ago(self) -> str:
        return ago(self.event.at)

    @property
    def subject(self) -> str:
        """What the event is about, briefly: a column's or table's name, a registry entry's."""
        key = self.event.object_key
        if "://" not in key:
            return key.partition(":")[2] or key
        if is_column_key(key):
            return ColumnKey.parse(key).column
        return DatasetKey.parse(key).table

    @property
    def context(self) -> str:
        """Where that is: ``column of prod_db.raw.customers``, ``table in prod_db.raw``."""
        key = self.event.object_key
        if "://" not in key:
            return self.event.object_type.replace("_", " ")
        if is_column_key(key):
            return f"column of {ColumnKey.parse(key).dataset.name}"
        name = DatasetKey.parse(key).name
        return f"table in {name.rpartition('.')[0]}" if "." in name else "table"


def event_rows(events: Iterable[AuditEvent]) -> list[EventRow]:
    rows = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        version = ""
        if "version" in after and before.get("version") != after["version"]:
            version = f"v{before.get('version', '?')} → v{after['version']}"
        rows.append(EventRow(event, event_changes(event), version))
    return rows
