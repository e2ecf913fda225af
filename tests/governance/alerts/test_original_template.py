"""The original configuration template's ``monitoring`` section drives the alerts."""

from __future__ import annotations

import pytest
from django.test import override_settings

from governance.alerts import services
from governance.alerts.events import AlertEvent
from governance.alerts.models import Alert
from lineage_portal.config import apply_environment, load_config

from ...lineage_portal.test_config import TEMPLATE, TEMPLATE_ENV
from .test_alerts import leak

pytestmark = pytest.mark.django_db


def test_the_template_sends_what_it_lists_and_nothing_else(
    slack, django_capture_on_commit_callbacks
):
    # ${SLACK_WEBHOOK_URL} in the template points at the local receiver.
    config = load_config(TEMPLATE, environ={**TEMPLATE_ENV, "SLACK_WEBHOOK_URL": slack.url})
    apply_environment(config, {})
    overdue = AlertEvent(
        kind="review_overdue", idempotency_key="r1", risk="LOW", title="Review overdue"
    )
    gap = AlertEvent(
        kind="steward_missing",
        idempotency_key="s1",
        risk="MEDIUM",
        title="No steward: raw.payments",
    )
    with override_settings(LINEAGE_CONFIG=config):
        with django_capture_on_commit_callbacks(execute=True):
            services.alert_raise(event=leak())  # unmasked_pii_path: listed, sent at once
            assert services.alert_raise(event=overdue) is None  # not listed
            services.alert_raise(event=gap)  # listed, a digest kind
        assert [p["text"] for p in slack.payloads] == [
            "HIGH · Customer e-mail reaches marts.marketing_export unmasked"
        ]
        with django_capture_on_commit_callbacks(execute=True):
            services.digest_send()
    assert len(slack.payloads) == 2 and "No steward: raw.payments" in str(slack.payloads[1])
    assert set(Alert.objects.values_list("kind", "status")) == {
        ("unmasked_pii_path", "sent"),
        ("steward_missing", "sent"),
    }
