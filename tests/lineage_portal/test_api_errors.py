"""The REST API's one exception handler: every endpoint answers an error the same way."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse

from graph.selectors import lineage as lineage_selectors
from graph.store.base import StoreError
from lineage_portal.api_errors import STORE_RETRY_AFTER, validation_detail


@pytest.fixture
def signed_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("ada", password="pw"))
    return client


def test_an_unreachable_graph_store_is_503_with_retry_after(signed_in, monkeypatch):
    class Down:
        def get_dataset(self, key):
            raise StoreError("Neo4j at bolt://db:7687 is unreachable")

    monkeypatch.setattr(lineage_selectors, "get_store", lambda: Down())

    response = signed_in.get(reverse("api-lineage"), {"key": "snowflake://db.s.t"})

    assert response.status_code == 503
    assert response["Retry-After"] == str(STORE_RETRY_AFTER)
    assert response.json() == {
        "detail": "The graph store is unavailable: Neo4j at bolt://db:7687 is unreachable"
    }


def test_an_unknown_dataset_is_404_with_a_reason(signed_in, db):
    response = signed_in.get(reverse("api-lineage"), {"key": "snowflake://db.s.nowhere"})

    assert response.status_code == 404
    assert response.json() == {"detail": "No dataset with this key."}


def test_django_validation_errors_keep_their_fields_and_name_the_rest():
    by_field = ValidationError(
        {"slug": ["Enter a valid slug."], NON_FIELD_ERRORS: ["Tag 'pii' already exists."]}
    )
    assert validation_detail(by_field) == {
        "slug": ["Enter a valid slug."],
        "non_field_errors": ["Tag 'pii' already exists."],
    }
    assert validation_detail(ValidationError("Steward 'x' already exists.")) == {
        "non_field_errors": ["Steward 'x' already exists."]
    }
