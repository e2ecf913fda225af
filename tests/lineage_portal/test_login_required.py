"""Every route refuses an anonymous request, generated from the URL conf so none is missed."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from lineage_portal.login import is_api_view

# The only routes anyone may reach without logging in (see lineage_portal/login.py).
PUBLIC = {"accounts/login/", "healthz", "api/schema/"}


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _routes():
    return (route for route, _ in _patterns())


def _concrete(route: str) -> str:
    """Turn a route pattern into a URL a client can request (ids → 1, slugs → x)."""
    # Router patterns are regexes inside a path prefix: anchors may sit mid-route.
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    route = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", route)
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<(path|str|slug):[^>]+>", "x", route)
    route = re.sub(r"<[^>]+>", "1", route)
    route = re.sub(r"[()?*+\\]", "", route)
    return "/" + route


ROUTES = sorted({r for r in _routes() if r not in PUBLIC and not r.startswith("admin/")})


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_is_refused(client, route):
    url = _concrete(route)
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), url
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.django_db
def test_admin_refuses_anonymous(client):
    response = client.get("/admin/")
    assert response.status_code == 302


@pytest.mark.django_db
def test_public_routes_answer_without_login(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


def test_route_list_is_not_empty():
    # Guards the generator itself: a broken walk would make the matrix vacuous.
    assert "" in ROUTES and any(r.startswith("api/v1/") for r in ROUTES)


def test_only_the_public_pages_skip_the_login():
    """Pages opt out with @login_not_required; exactly the public ones do (admin aside)."""
    skipping = {
        route
        for route, view in _patterns()
        if not route.startswith("admin/")
        and not is_api_view(view)
        and getattr(view, "login_required", True) is False
    }
    assert skipping == {"accounts/login/", "healthz"}


def test_api_views_leave_anonymous_requests_to_drf_which_refuses_them():
    api = [route for route, view in _patterns() if is_api_view(view)]
    assert "api/schema/" in api and "api/v1/lineage" in api
    assert all(route.startswith("api/") for route in api)
