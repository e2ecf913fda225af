"""My reviews: the queue of due and overdue reviews, attested in one click."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import AuditEvent, Review

pytestmark = pytest.mark.django_db


def due_in(world, asset, days: int):
    services.asset_update(
        actor=world.admin,
        asset=asset,
        changes={
            "classification": "confidential",
            "next_review_due": timezone.localdate() + timedelta(days=days),
        },
        expected_version=None,
        reason="scheduled",
    )
    asset.refresh_from_db()
    return asset


@pytest.fixture
def queue(world):
    """The owner's dataset is 3 days overdue; the team's payments are due in 5 days."""
    return due_in(world, world.asset, -3), due_in(world, world.team_asset, 5)


def test_a_steward_sees_only_their_own_due_reviews_overdue_first(client, world, queue):
    client.force_login(world.owner)
    html = client.get(reverse("reviews")).text
    assert "My reviews" in html and "3 days overdue" in html
    assert world.asset.key.split(".")[-1] in html and "payments" not in html
    assert 'name="outcome" value="confirmed"' in html


def test_auditors_see_every_stewards_reviews_without_attest_buttons(client, world, queue):
    client.force_login(world.auditor)
    html = client.get(reverse("reviews")).text
    assert "Reviews due" in html and "customers" in html and "payments" in html
    assert html.index("customers") < html.index("payments")  # overdue first
    assert 'name="outcome"' not in html
    assert "Awaiting Olive Owner" in html and "Awaiting Finance Data" in html
    mine = client.get(reverse("reviews") + "?mine=1").text
    assert "You are up to date" in mine


def test_attesting_in_one_click_schedules_the_next_review(client, world, queue):
    client.force_login(world.owner)
    response = client.post(
        reverse("governance_review_attest", args=[world.asset.pk]),
        {"outcome": "confirmed", "comment": "still right", "next": "/reviews/"},
    )
    assert response.status_code == 302 and response["Location"] == "/reviews/"
    review = Review.objects.get()
    assert (review.reviewer, review.outcome, review.comment) == (
        world.owner,
        "confirmed",
        "still right",
    )
    world.asset.refresh_from_db()
    assert world.asset.next_review_due == timezone.localdate() + timedelta(days=90)
    assert AuditEvent.objects.filter(action="review.attest", actor="owner").exists()
    page = client.get("/reviews/").text
    assert "attested (confirmed unchanged)" in page and "You are up to date" in page


def test_an_unknown_outcome_is_refused_and_nothing_is_recorded(client, world, queue):
    client.force_login(world.owner)
    response = client.post(
        reverse("governance_review_attest", args=[world.asset.pk]),
        {"outcome": "maybe"},
        follow=True,
    )
    assert "Unknown review outcome “maybe”" in response.text
    assert not Review.objects.exists()


def test_another_steward_cannot_attest(client, world, queue):
    client.force_login(world.other)
    response = client.post(
        reverse("governance_review_attest", args=[world.asset.pk]), {"outcome": "confirmed"}
    )
    assert response.status_code == 403
    assert "only its steward (Olive Owner)" in response.text
    assert not Review.objects.exists()


def test_nothing_due_is_an_empty_state_with_next_steps(client, world):
    client.force_login(world.owner)
    html = client.get(reverse("reviews")).text
    assert "You are up to date" in html and "Classify the catalog" in html
