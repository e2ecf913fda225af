"""Bad input gets a clear 400, never a 500: NUL, lone surrogates, far dates, hidden characters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import Steward
from graph.models import Dataset
from tests.governance.factories import DatasetFactory, admin_user

from .test_login_required import ROUTES, _concrete

GET_ROUTES = [route for route in ROUTES if "<" not in route or "int:" in route]
NUL = "\x00"
FILTERS = ("q", "platform", "schema", "dataset", "key", "object_key", "actor", "steward", "tag")


@pytest.fixture
def admin_client(client, db):
    DatasetFactory(name="customers")
    client.force_login(admin_user(username="ada"))
    return client


@pytest.mark.parametrize("route", GET_ROUTES)
def test_a_nul_in_any_filter_is_a_clear_400(admin_client, route):
    url = _concrete(route)
    response = admin_client.get(url, {name: f"a{NUL}b" for name in FILTERS})
    assert response.status_code == 400, url
    assert "U+0000" in response.content.decode()


@pytest.mark.parametrize("route", GET_ROUTES)
def test_junk_parameters_never_give_a_500(admin_client, route):
    url = _concrete(route)
    junk = {
        "page": "-1",
        "depth": "nine",
        "as_of": "9999-12-31",
        "sort": "zzz",
        "direction": "sideways",
        "level": "atoms",
        "key": "x" * 5000,
        "q": "\u202e" + "%" * 50,
        "classification": "secret",
        "review_state": "whenever",
    }
    response = admin_client.get(url, junk)
    assert response.status_code < 500, url


@pytest.mark.parametrize(
    "path",
    ["/datasets/?q=%00", "/datasets/?platform=%00", "/datasets/?schema=%00", "/search/?q=%00"],
)
def test_the_catalog_filters_named_in_the_report(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 400
    assert "cannot be stored" in response.text


def test_a_nul_in_a_posted_form_field_is_refused(admin_client):
    dataset = Dataset.objects.get(name="customers")
    response = admin_client.post(
        f"/governance/datasets/{dataset.pk}/edit/", {"reason": NUL, "version": 0}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("as_of", ["9999-12-31", "3000-01-01"])
def test_a_future_as_of_is_a_400_on_the_page_and_the_api(admin_client, as_of):
    key = Dataset.objects.get(name="customers").key
    page = admin_client.get("/lineage/", {"dataset": key, "as_of": as_of})
    assert page.status_code == 400 and "lineage is not known for the future" in page.text
    api = admin_client.get("/api/v1/lineage/", {"key": key, "as_of": as_of})
    assert api.status_code == 400 and "as_of" in api.json()


def test_today_and_the_past_are_fine(admin_client):
    key = Dataset.objects.get(name="customers").key
    for day in (timezone.localdate(), timezone.localdate() - timedelta(days=400)):
        assert admin_client.get("/lineage/", {"dataset": key, "as_of": day}).status_code == 200
        assert admin_client.get("/api/v1/lineage/", {"key": key, "as_of": day}).status_code == 200


# --- names in JSON bodies ---------------------------------------------------------------------

API = "/api/v1/governance/"
SURROGATE = "\ud800"
RLO = "\u202e"


def _writes(dataset: Dataset):
    """Every write of the API with a string field to poison: (method, url, body, field)."""
    return [
        ("post", f"{API}stewards/", {"name": "x", "kind": "person"}, "name"),
        ("post", f"{API}stewards/", {"name": "x", "email": "a@b.c"}, "email"),
        ("post", f"{API}masking-policies/", {"name": "x", "kind": "hash"}, "name"),
        ("post", f"{API}masking-policies/", {"name": "x", "kind": "hash"}, "warehouse_policy"),
        ("post", f"{API}masking-policies/", {"name": "x", "kind": "hash"}, "description"),
        ("post", f"{API}tags/", {"slug": "x"}, "slug"),
        ("post", f"{API}tags/", {"slug": "x"}, "name"),
        ("patch", f"{API}datasets/{dataset.pk}/", {}, "steward"),
        ("patch", f"{API}datasets/{dataset.pk}/", {}, "masking_policy"),
        ("patch", f"{API}datasets/{dataset.pk}/", {}, "reason"),
        ("patch", f"{API}datasets/{dataset.pk}/", {}, "classification"),
        ("post", f"{API}reviews/", {"outcome": "confirmed"}, "asset"),
        ("post", f"{API}reviews/", {"asset": dataset.key, "outcome": "confirmed"}, "comment"),
    ]


@pytest.mark.parametrize(
    "bad", [SURROGATE, NUL, RLO, "\x07"], ids=["surrogate", "nul", "rlo", "bel"]
)
def test_poisoned_strings_in_api_bodies_are_a_400(admin_client, bad):
    dataset = Dataset.objects.get(name="customers")
    for method, url, body, field in _writes(dataset):
        payload = body | {field: f"name{bad}"}
        response = getattr(admin_client, method)(url, payload, content_type="application/json")
        # RLO and BEL are refused in names; in free text (reason, comment) they are kept.
        if bad in (RLO, "\x07") and field in ("reason", "comment", "description"):
            assert response.status_code < 500, (url, field)
            continue
        assert response.status_code == 400, (url, field, response.content)
    assert not Steward.objects.filter(name__startswith="name").exists()


def test_a_name_with_a_bidi_override_is_refused_naming_it(admin_client):
    response = admin_client.post(
        f"{API}stewards/", {"name": f"Finance{RLO}gpj.exe"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in str(response.json())


def test_a_producer_name_with_hidden_characters_is_shown_escaped(admin_client):
    dataset = DatasetFactory(name=f"invoice{RLO}fdp.exe")
    for url in (f"/datasets/{dataset.pk}/", "/datasets/", f"/lineage/?dataset={dataset.key}"):
        html = admin_client.get(url).content.decode()
        assert RLO not in html, url
        assert "invoice[U+202E]fdp.exe" in html, url
