"""Alerts end to end: a local Slack receiver and a local SMTP server get what a user would."""

from __future__ import annotations

import pytest
from django.test import override_settings

from governance.alerts import services
from governance.alerts.events import AlertEvent
from governance.alerts.models import Alert, AlertDelivery
from governance.alerts.tasks import DELIVERY_RETRIES

from .conftest import monitoring_config

pytestmark = pytest.mark.django_db


def leak(key: str = "finding-1", **fields) -> AlertEvent:
    return AlertEvent(
        **{
            "kind": "unmasked_pii_path",
            "idempotency_key": key,
            "risk": "HIGH",
            "title": "Customer e-mail reaches marts.marketing_export unmasked",
            "text": "Copied unmasked in 2 hops; read by 3 principals in the last 90 days.",
            "link": "http://portal.example/exposure/findings/1",
            "details": {
                "source": "prod_db.raw.customers.email",
                "target": "prod_db.marts.marketing_export.email",
                "path": ["raw.customers", "staging.stg_customers", "marts.marketing_export"],
                "path_summary": "2 hops, copied unmasked on every hop",
            },
            **fields,
        }
    )


def raise_now(event: AlertEvent, capture) -> Alert | None:
    with capture(execute=True):
        return services.alert_raise(event=event)


def texts(payload: dict) -> str:
    """Every text of a Slack payload's blocks, joined: what a reader of the message sees."""
    out = [payload.get("text", "")]
    for block in payload["blocks"]:
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(part, dict):
                out.append(part.get("text") if isinstance(part.get("text"), str) else "")
                out.append(
                    (part.get("text") or {}).get("text", "")
                    if isinstance(part.get("text"), dict)
                    else ""
                )
                out.append(part.get("url", ""))
    return "\n".join(out)


def test_one_new_event_is_one_slack_message_and_one_email(
    alerting, django_capture_on_commit_callbacks
):
    slack, smtp = alerting
    alert = raise_now(leak(), django_capture_on_commit_callbacks)

    assert len(slack.payloads) == 1
    payload = slack.payloads[0]
    assert [b["type"] for b in payload["blocks"]][:2] == ["header", "section"]
    seen = texts(payload)
    assert "*Risk*\nHIGH" in seen
    assert "`prod_db.raw.customers.email` → `prod_db.marts.marketing_export.email`" in seen
    assert "raw.customers → staging.stg_customers → marts.marketing_export" in seen
    assert "2 hops, copied unmasked on every hop" in seen
    assert "http://portal.example/exposure/findings/1" in seen

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert (
        mail["Subject"].strip()
        == "[LP] HIGH · Customer e-mail reaches marts.marketing_export unmasked"
    )
    assert mail["To"] == "compliance@example.com"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in mail.walk()
        if not part.is_multipart()
    }
    assert (
        "prod_db.raw.customers.email → prod_db.marts.marketing_export.email" in parts["text/plain"]
    )
    assert '<a href="http://portal.example/exposure/findings/1">' in parts["text/html"]

    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT
    assert sorted(alert.deliveries.values_list("channel", "status", "attempts")) == [
        ("email", "sent", 1),
        ("slack", "sent", 1),
    ]


def test_the_same_event_again_sends_nothing(alerting, django_capture_on_commit_callbacks):
    slack, smtp = alerting
    assert raise_now(leak(), django_capture_on_commit_callbacks) is not None
    assert raise_now(leak(title="changed wording"), django_capture_on_commit_callbacks) is None
    assert len(slack.payloads) == 1 and len(smtp.messages) == 1
    assert Alert.objects.count() == 1


def test_a_failing_webhook_is_retried_then_recorded_as_failed(
    alerting, django_capture_on_commit_callbacks
):
    slack, smtp = alerting
    slack.statuses = [500] * 20
    alert = raise_now(leak(), django_capture_on_commit_callbacks)

    assert len(slack.payloads) == DELIVERY_RETRIES + 1  # the first try and every retry
    delivery = AlertDelivery.objects.get(channel="slack")
    assert delivery.status == AlertDelivery.Status.FAILED
    assert delivery.attempts == DELIVERY_RETRIES + 1
    assert "Slack answered 500: invalid_token" in delivery.last_error
    assert AlertDelivery.objects.get(channel="email").status == AlertDelivery.Status.SENT
    alert.refresh_from_db()
    assert alert.status == Alert.Status.FAILED  # a channel gave up: the page shows it failed


def test_a_webhook_that_recovers_is_sent_on_a_retry(alerting, django_capture_on_commit_callbacks):
    slack, _ = alerting
    slack.statuses = [503, 500]
    raise_now(leak(), django_capture_on_commit_callbacks)
    delivery = AlertDelivery.objects.get(channel="slack")
    assert (delivery.status, delivery.attempts) == (AlertDelivery.Status.SENT, 3)
    assert len(slack.payloads) == 3


def test_events_raised_together_go_out_as_one_group(alerting, django_capture_on_commit_callbacks):
    slack, smtp = alerting
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            services.alert_raise(event=leak(f"finding-{n}", title=f"Leak {n}"))
    assert len(slack.payloads) == 1 and len(smtp.messages) == 1
    assert slack.payloads[0]["text"] == "HIGH · 5 new alerts: Unmasked PII path"
    assert all(f"Leak {n}" in texts(slack.payloads[0]) for n in range(5))
    assert Alert.objects.filter(status=Alert.Status.SENT).count() == 5


def test_over_the_rate_limit_alerts_wait_for_the_digest(
    slack, smtp, django_capture_on_commit_callbacks
):
    config = monitoring_config(
        slack_webhook=slack.url,
        group_seconds=0,
        rate_limit_per_hour=1,
        alert_on=["unmasked_pii_path"],
    )
    with override_settings(LINEAGE_CONFIG=config):
        raise_now(leak("a", title="First leak"), django_capture_on_commit_callbacks)
        raise_now(leak("b", title="Second leak"), django_capture_on_commit_callbacks)
        assert len(slack.payloads) == 1
        held = Alert.objects.get(idempotency_key="b")
        assert (held.route, held.status) == (Alert.Route.DIGEST, Alert.Status.PENDING)
        assert "rate limit" in held.note

        with django_capture_on_commit_callbacks(execute=True):
            services.digest_send()
        with django_capture_on_commit_callbacks(execute=True):
            assert services.digest_send() == []  # nothing waits any more
    assert len(slack.payloads) == 2
    assert slack.payloads[1]["text"] == "Daily digest: 1 alert"
    assert "Second leak" in texts(slack.payloads[1])
    held.refresh_from_db()
    assert held.status == Alert.Status.SENT


def test_digest_kinds_never_go_out_one_by_one(alerting, django_capture_on_commit_callbacks):
    slack, smtp = alerting
    gap = AlertEvent(
        kind="steward_missing",
        idempotency_key="gap-1",
        risk="MEDIUM",
        title="No steward for raw.payments",
    )
    raise_now(gap, django_capture_on_commit_callbacks)
    assert slack.payloads == [] and smtp.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_send()
    assert len(slack.payloads) == 1 and "No steward for raw.payments" in texts(slack.payloads[0])
    assert len(smtp.messages) == 1 and "Daily digest" in smtp.messages[0]["Subject"]


def test_kinds_not_listed_are_not_alerted(alerting, django_capture_on_commit_callbacks):
    slack, _ = alerting
    config = monitoring_config(alert_on=["failed_backfill"])
    with override_settings(LINEAGE_CONFIG=config):
        assert raise_now(leak(), django_capture_on_commit_callbacks) is None
    assert Alert.objects.count() == 0 and slack.payloads == []


def test_without_a_channel_an_alert_is_recorded_unsent(db, django_capture_on_commit_callbacks):
    config = monitoring_config(
        slack_webhook="", email={"to": [], "from": "x@example.com", "subject_prefix": ""}
    )
    with override_settings(LINEAGE_CONFIG=config):
        alert = raise_now(leak(), django_capture_on_commit_callbacks)
    assert alert.status == Alert.Status.UNSENT and not alert.deliveries.exists()


def test_an_event_needs_a_known_risk():
    with pytest.raises(ValueError, match="risk"):
        AlertEvent(kind="unmasked_pii_path", idempotency_key="k", risk="SEVERE", title="t")
