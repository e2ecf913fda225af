"""Signing in: failed attempts are throttled per account and per address; passwords validated."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.governance.factories import UserFactory

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def users(db):
    made = []
    for name in ("sam", "ava", "ada"):
        user = UserFactory(username=name)
        user.set_password(PASSWORD)
        user.save()
        made.append(user)
    return made


def _login(client, username, password, address="10.0.0.1", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def _signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_a_good_password_signs_in(client, users):
    assert _signed_in(_login(client, "sam", PASSWORD))


def test_an_account_is_paused_after_five_failures_from_anywhere(client, users, settings):
    # The failures before the limit are told "wrong password"; the one reaching it, "paused".
    statuses = [
        _login(client, "sam", "wrong", address=f"10.0.1.{attempt}").status_code
        for attempt in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = _login(client, "sam", PASSWORD, address="10.0.9.9")
    assert locked.status_code == 429
    assert (
        "Sign-in paused" in locked.text and "for this account or from this address" in locked.text
    )
    # Another account is not affected.
    assert _signed_in(_login(client, "ava", PASSWORD, address="10.0.9.9"))


def test_an_address_is_paused_after_five_failures_on_any_accounts(client, users, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"guess{attempt}", "wrong", address="10.0.2.1")
    assert _login(client, "ada", PASSWORD, address="10.0.2.1").status_code == 429
    assert _signed_in(_login(client, "ada", PASSWORD, address="10.0.2.2"))


def test_a_forwarded_for_header_does_not_dodge_the_address_limit(client, users, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(
            client,
            f"guess{attempt}",
            "wrong",
            address="10.0.3.1",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{attempt}",
        )
    response = _login(client, "ada", PASSWORD, address="10.0.3.1", HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert response.status_code == 429


def test_a_success_resets_the_count(client, users, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sam", "wrong")
    assert _signed_in(_login(client, "sam", PASSWORD))
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sam", "wrong")
    assert _signed_in(_login(client, "sam", PASSWORD))


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_admin_login_is_throttled_too(client, users):
    for _ in range(2):
        client.post(
            "/admin/login/", {"username": "sam", "password": "wrong"}, REMOTE_ADDR="10.0.4.1"
        )
    response = client.post(
        "/admin/login/", {"username": "sam", "password": PASSWORD}, REMOTE_ADDR="10.0.4.1"
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    "password,why",
    [
        ("Sh0rt!pass", "too short"),
        ("password1234", "too common"),
        ("804713925561", "entirely numeric"),
        ("samuel.steward", "too similar"),
    ],
)
def test_weak_passwords_are_refused(db, password, why):
    user = UserFactory(username="samuel.steward", email="samuel.steward@example.com")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert why in " ".join(refused.value.messages)


def test_a_long_unusual_password_is_accepted(db):
    validate_password(PASSWORD, UserFactory(username="sam"))
