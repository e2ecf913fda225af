"""The OpenLineage endpoint, as a black box over HTTP: no body makes it answer 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from .conftest import time_box

URL = "/api/v1/lineage"
VALID = {
    "eventType": "COMPLETE",
    "eventTime": "2026-06-01T10:00:00Z",
    "run": {"runId": "3f5e9a0c-1b2d-4c5e-8f9a-0b1c2d3e4f5a"},
    "job": {"namespace": "airflow", "name": "daily.copy"},
    "inputs": [{"namespace": "snowflake://acme", "name": "prod_db.raw.customers"}],
    "outputs": [{"namespace": "snowflake://acme", "name": "prod_db.marts.crm"}],
    "producer": "https://example.com/fuzz",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
}

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = ["eventType", "eventTime", "run", "job", "inputs", "outputs", "producer", "schemaURL"]


@st.composite
def mutated_events(draw):
    """A valid event with some fields replaced by anything JSON can hold."""
    event = json.loads(json.dumps(VALID))
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        event[field] = draw(json_values)
    return event


@pytest.fixture
def producer(db, django_user_model):
    user = django_user_model.objects.create_user("fuzz-producer", password="not-used-here-123")
    return Token.objects.create(user=user).key


def _post(client, token, body: bytes):
    with time_box(15):
        return client.generic(
            "POST", URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )


@given(event=st.one_of(mutated_events(), json_values))
def test_no_event_makes_the_endpoint_fail(client, producer, event):
    response = _post(client, producer, json.dumps(event).encode())
    assert response.status_code < 500, response.content[:300]


@given(body=st.binary(max_size=300))
def test_no_bytes_make_the_endpoint_fail(client, producer, body):
    assert _post(client, producer, body).status_code < 500
