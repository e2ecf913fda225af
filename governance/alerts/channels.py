"""The two channels: a Slack incoming webhook (JSON with blocks) and e-mail (HTML and text).

Both render the same alerts: one, a group of one kind raised together, or the digest.
A failure to deliver raises ``ChannelError`` with what the other side said.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from lineage_portal.config import engine

from .events import RISKS
from .models import Alert, AlertDelivery

KIND_TITLES = {
    "unmasked_pii_path": "Unmasked PII path",
    "unmasked_regulated_path": "Unmasked regulated data path",
    "steward_missing": "Steward missing",
    "review_overdue": "Review overdue",
    "failed_backfill": "Ingestion window failed",
}
GROUP_LIST_LIMIT = 20  # alerts listed one by one in a group or digest message


class ChannelError(Exception):
    """The channel refused or could not be reached; the message says what happened."""


def enabled() -> list[str]:
    """The channels configured: Slack when a webhook is set, e-mail when there are recipients."""
    monitoring = engine().monitoring
    names = []
    if monitoring.slack_webhook:
        names.append(str(AlertDelivery.Channel.SLACK))
    if monitoring.email.to:
        names.append(str(AlertDelivery.Channel.EMAIL))
    return names


def configured() -> bool:
    return bool(enabled())


def by_risk(alerts: Iterable[Alert]) -> list[Alert]:
    """HIGH first, then MEDIUM, then LOW; raised order within a level."""
    return sorted(alerts, key=lambda alert: RISKS.index(alert.risk))


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind.replace("_", " ").capitalize())


def subject_for(alerts: list[Alert], kind: str) -> str:
    """The one-line summary: the alert's title, "N new …" for a group, or the digest's."""
    if kind == AlertDelivery.Kind.DIGEST:
        return f"Daily digest: {len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    if len(alerts) == 1:
        alert = alerts[0]
        return f"{alert.risk} · {alert.title}"[:300]
    top = by_risk(alerts)[0].risk
    return f"{top} · {len(alerts)} new alerts: {kind_title(alerts[0].kind)}"[:300]


def send(delivery: AlertDelivery, alerts: list[Alert]) -> None:
    if delivery.channel == AlertDelivery.Channel.SLACK:
        slack_post(engine().monitoring.slack_webhook, slack_payload(delivery, alerts))
    else:
        email_send(delivery, alerts)


# --- Slack -------------------------------------------------------------------------------
def _escape(text: str) -> str:
    """Slack's mrkdwn reserves &, < and > (links and mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _route_line(alert: Alert) -> str:
    source, target = alert.details.get("source"), alert.details.get("target")
    if source and target:
        return f"`{_escape(str(source))}` → `{_escape(str(target))}`"
    return _escape(str(source or target or ""))


def _path_line(alert: Alert) -> str:
    summary = alert.details.get("path_summary")
    path = alert.details.get("path") or []
    line = " → ".join(_escape(str(step)) for step in path)
    if summary:
        line = f"{line}\n{_escape(str(summary))}" if line else _escape(str(summary))
    return line


def _link(alert: Alert, label: str) -> str:
    return f"<{alert.link}|{_escape(label)}>" if alert.link else _escape(label)


def slack_payload(delivery: AlertDelivery, alerts: list[Alert]) -> dict[str, Any]:
    """An incoming-webhook message: header, risk, source → target, path, text, link."""
    if delivery.kind == AlertDelivery.Kind.SINGLE:
        return _single_payload(alerts[0])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": delivery.subject[:150]}}
    ]
    for alert in alerts[:GROUP_LIST_LIMIT]:
        route = _route_line(alert)
        line = f"*{alert.risk}* · {_link(alert, alert.title)}" + (f"\n{route}" if route else "")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line[:3000]}})
    if len(alerts) > GROUP_LIST_LIMIT:
        more = f"…and {len(alerts) - GROUP_LIST_LIMIT} more on the Alerts page."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return {"text": delivery.subject, "blocks": blocks}


def _single_payload(alert: Alert) -> dict[str, Any]:
    fields = [
        {"type": "mrkdwn", "text": f"*Risk*\n{alert.risk}"},
        {"type": "mrkdwn", "text": f"*Kind*\n{_escape(kind_title(alert.kind))}"},
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": alert.title[:150]}},
        {"type": "section", "fields": fields},
    ]
    if route := _route_line(alert):
        text = f"*Source → target*\n{route}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if path := _path_line(alert):
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Path*\n{path}"[:3000]}}
        )
    if alert.text:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _escape(alert.text)[:3000]}}
        )
    if alert.link:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open in Lineage Portal"},
            "url": alert.link,
        }
        blocks.append({"type": "actions", "elements": [button]})
    return {"text": f"{alert.risk} · {alert.title}", "blocks": blocks}


def slack_post(url: str, payload: dict[str, Any], *, timeout: float = 10.0) -> None:
    """POST the payload; anything but a 2xx answer is a ``ChannelError``."""
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode(errors="replace")
        raise ChannelError(f"Slack answered {exc.code}: {detail or exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ChannelError(f"Slack could not be reached: {exc}") from exc


# --- e-mail ------------------------------------------------------------------------------
def email_send(delivery: AlertDelivery, alerts: list[Alert]) -> None:
    """One e-mail to ``monitoring.email.to``, HTML with a plain-text alternative."""
    email = engine().monitoring.email
    context = {
        "delivery": delivery,
        "alerts": alerts[: GROUP_LIST_LIMIT if delivery.kind != "single" else 1],
        "more": max(len(alerts) - GROUP_LIST_LIMIT, 0),
        "portal_url": engine().monitoring.portal_url,
        "kind_title": kind_title(alerts[0].kind) if alerts else "",
    }
    message = EmailMultiAlternatives(
        subject=f"{email.subject_prefix}{delivery.subject}",
        body=render_to_string("alerts/email.txt", context),
        from_email=email.sender,
        to=list(email.to),
    )
    message.attach_alternative(render_to_string("alerts/email.html", context), "text/html")
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"the mail server refused or could not be reached: {exc}") from exc
