"""The REST API from its own OpenAPI schema: generated requests, each role's token, no 500.

Schemathesis builds the requests; they go through Django's WSGI application in this
process, inside the test's transaction, one hypothesis run per operation.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token

from tests.governance.factories import DatasetFactory, admin_user, auditor_user, steward_user

from .conftest import time_box

EXAMPLES_PER_OPERATION = 6


@pytest.fixture
def api(db):
    # As Django's test client does: a finished request must not close the test's
    # database connection (its transaction holds the test data).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    """One token per role, and something in the catalog for the requests to find."""
    DatasetFactory(name="customers")
    users = [
        admin_user(username="fuzz-admin"),
        steward_user(username="fuzz-steward"),
        auditor_user(username="fuzz-auditor"),
        get_user_model().objects.create_user("fuzz-nobody", password="x" * 16),
    ]
    return {user.username: Token.objects.create(user=user).key for user in users}


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_lists_the_api(api):
    labels = {operation.label for operation in _operations(api)}
    assert "POST /api/v1/lineage" in labels and len(labels) > 20


def test_no_request_makes_the_api_fail(api, tokens):
    failures, statuses = [], Counter()
    for operation in _operations(api):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def requests(case):
            for role, token in tokens.items():
                with time_box(20):
                    response = case.call(headers={"Authorization": f"Token {token}"})
                statuses[role, response.status_code // 100] += 1
                assert response.status_code < 500, (role, response.text[:300])

        try:
            requests()
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n".join(failures)
    # The requests reached the views: the admin got answers, and bad ones were refused.
    assert statuses["fuzz-admin", 2] > 20 and statuses["fuzz-admin", 4] > 20
