"""The Alerts page: compliance admins see every alert and why a delivery failed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.alerts.models import Alert, AlertDelivery

from ..factories import admin_user, auditor_user, steward_user

pytestmark = pytest.mark.django_db


def make_alert(**fields) -> Alert:
    defaults = {
        "kind": "failed_backfill",
        "idempotency_key": "k1",
        "risk": "MEDIUM",
        "title": "Backfill window of prod failed",
        "route": Alert.Route.IMMEDIATE,
        "status": Alert.Status.FAILED,
    }
    return Alert.objects.create(**{**defaults, **fields})


def test_admins_see_alerts_and_delivery_failures(client):
    alert = make_alert()
    delivery = AlertDelivery.objects.create(
        channel="slack",
        kind="single",
        subject="x",
        status=AlertDelivery.Status.FAILED,
        attempts=5,
        last_error="Slack answered 500: invalid_token",
    )
    delivery.alerts.add(alert)
    client.force_login(admin_user(username="ada"))
    page = client.get(reverse("alerts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Backfill window of prod failed" in html
    assert "Slack answered 500: invalid_token" in html and "after 5 attempts" in html
    assert 'href="/alerts/"' in html  # in the top bar


@pytest.mark.parametrize("make_user", [auditor_user, steward_user])
def test_others_may_not_see_the_alerts_page(client, make_user):
    make_alert()
    user = make_user(username="someone")
    client.force_login(user)
    page = client.get(reverse("alerts"))
    assert page.status_code == 403
    assert "Backfill window" not in page.content.decode()
    assert 'href="/alerts/"' not in client.get("/").content.decode()
