"""Who may read and write every route, generated from the URL conf so none is missed.

``RULES`` holds one rule per route pattern: the status each role gets for a read (GET)
and for a write (POST, or PATCH for the API's detail routes), the request that writes,
and how to tell whether the write took effect. A route without a rule fails
``test_every_route_has_a_rule`` — add its row when you add the route. A cell of ``None``
is not judged here (another app's own tests own it); it must still not be a server error.

Roles: anonymous, the steward who owns the asset, another steward, an auditor, a
compliance admin (staff, so the Django admin opens too).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from governance import services
from governance.models import (
    AssetGovernance,
    CsvImport,
    Finding,
    MaskingPolicy,
    RegulatoryTag,
    Review,
    Steward,
)
from governance.models import TagSuggestion as Suggestion
from graph.models import IngestionRun, Source

from .factories import AssetGovernanceFactory, ColumnFactory, MaskingPolicyFactory, tag

ROLES = ("anonymous", "owner", "other", "auditor", "admin")


def cells(anonymous, owner, other, auditor, admin) -> dict[str, int | None]:
    return dict(zip(ROLES, (anonymous, owner, other, auditor, admin), strict=True))


# Reads.
PAGE = cells(302, 200, 200, 200, 200)  # anonymous → login page
API = cells(403, 200, 200, 200, 200)
PUBLIC = cells(200, 200, 200, 200, 200)
NOT_JUDGED_PAGE = cells(302, None, None, None, None)
NOT_JUDGED_API = cells(403, None, None, None, None)
# A method the route does not accept.
PAGE_405 = cells(302, 405, 405, 405, 405)
API_405 = cells(403, 405, 405, 405, 405)
# Writes.
ASSET_PAGE = cells(302, 302, 403, 403, 302)  # the asset's steward and admins; back to the page
ASSET_API = cells(403, 200, 403, 403, 200)
ADMIN_CREATE = cells(403, 403, 403, 403, 201)
ADMIN_UPDATE = cells(403, 403, 403, 403, 200)

EDITORS = {"owner", "admin"}
CSV = "dataset_key,classification\nsnowflake://prod_db.raw.customers,restricted\n"


@dataclass
class Data:
    """What the requests point at: the owner's dataset, one of its columns, registries…"""

    asset: AssetGovernance
    column_asset: AssetGovernance
    suggestion: Suggestion
    review: Review
    policy: MaskingPolicy
    steward: Steward
    run: IngestionRun
    finding: Finding
    users: dict[str, Any]
    csv_import: CsvImport

    @property
    def dataset(self):
        return self.asset.dataset

    @property
    def column(self):
        return self.column_asset.column


@dataclass(frozen=True)
class Rule:
    read: dict[str, int | None]
    write: dict[str, int | None]
    url: Callable[[Data], str] = lambda data: ""
    payload: Callable[[Data], dict] | None = None
    method: str = "post"  # the API's detail routes write with "patch" (JSON)
    took_effect: Callable[[Data], bool] | None = None
    applies_to: frozenset[str] = field(default_factory=frozenset)  # roles whose write lands
    prepare: Callable[[Any, Data], dict] | None = None  # e.g. preview a CSV before applying


def _fresh(asset: AssetGovernance) -> AssetGovernance:
    return AssetGovernance.objects.get(pk=asset.pk)


def _api(read=API, write=API_405, **kwargs) -> Rule:
    return Rule(read=read, write=write, **kwargs)


RULES: dict[str, Rule] = {
    # --- the portal's own routes --------------------------------------------------------
    "accounts/login/": Rule(
        read=PUBLIC,
        write=PUBLIC,
        url=lambda d: "/accounts/login/",
        payload=lambda d: {"username": "nobody-here", "password": "wrong"},
    ),
    "accounts/logout/": Rule(
        read=PAGE_405,
        write=cells(302, 302, 302, 302, 302),
        url=lambda d: "/accounts/logout/",
    ),
    "healthz": Rule(read=PUBLIC, write=PUBLIC, url=lambda d: "/healthz"),
    "api/schema/": Rule(
        read=PUBLIC, write=cells(405, 405, 405, 405, 405), url=lambda d: "/api/schema/"
    ),
    "api/docs/": Rule(read=API, write=API_405, url=lambda d: "/api/docs/"),
    "admin/": Rule(  # the whole Django admin (staff only); its classes are in test_admin.py
        read=cells(302, 302, 302, 302, 200), write=NOT_JUDGED_PAGE, url=lambda d: "/admin/"
    ),
    # --- lineage (graph): reads for everyone signed in --------------------------------
    "": Rule(read=PAGE, write=NOT_JUDGED_PAGE, url=lambda d: "/"),
    "search": Rule(read=PAGE, write=NOT_JUDGED_PAGE, url=lambda d: "/search?q=zzz"),
    "datasets/": Rule(read=PAGE, write=NOT_JUDGED_PAGE, url=lambda d: "/datasets/"),
    "datasets/<int:pk>/": Rule(
        read=PAGE, write=NOT_JUDGED_PAGE, url=lambda d: f"/datasets/{d.dataset.pk}/"
    ),
    "lineage/": Rule(read=PAGE, write=NOT_JUDGED_PAGE, url=lambda d: "/lineage/"),
    "ingestion/": Rule(read=PAGE, write=NOT_JUDGED_PAGE, url=lambda d: "/ingestion/"),
    "ingestion/runs/<int:pk>/": Rule(
        read=PAGE, write=NOT_JUDGED_PAGE, url=lambda d: f"/ingestion/runs/{d.run.pk}/"
    ),
    "ingestion/backfills/<int:pk>/": Rule(
        read=NOT_JUDGED_PAGE, write=NOT_JUDGED_PAGE, url=lambda d: "/ingestion/backfills/1/"
    ),
    "ingestion/backfills/<int:pk>/windows": Rule(
        read=NOT_JUDGED_PAGE,
        write=NOT_JUDGED_PAGE,
        url=lambda d: "/ingestion/backfills/1/windows",
    ),
    "ingestion/backfills/<int:pk>/retry": Rule(
        read=NOT_JUDGED_PAGE, write=NOT_JUDGED_PAGE, url=lambda d: "/ingestion/backfills/1/retry"
    ),
    "ingestion/sources/<int:pk>/backfill": Rule(
        read=NOT_JUDGED_PAGE,
        write=NOT_JUDGED_PAGE,
        url=lambda d: f"/ingestion/sources/{d.run.source_id}/backfill",
    ),
    "ingestion/sources/<int:pk>/sync": Rule(
        read=NOT_JUDGED_PAGE,
        write=NOT_JUDGED_PAGE,
        url=lambda d: f"/ingestion/sources/{d.run.source_id}/sync",
    ),
    "api/v1/lineage": Rule(  # OpenLineage intake (token auth first: 401); {} is a bad event
        read=cells(401, 405, 405, 405, 405),
        write=cells(401, 400, 400, 400, 400),
        url=lambda d: "/api/v1/lineage",
        payload=lambda d: {},
    ),
    "api/v1/datasets/": _api(url=lambda d: "/api/v1/datasets/"),
    "api/v1/datasets/<int:pk>/": _api(url=lambda d: f"/api/v1/datasets/{d.dataset.pk}/"),
    "api/v1/lineage/": _api(
        read=NOT_JUDGED_API, url=lambda d: f"/api/v1/lineage/?key={d.dataset.key}"
    ),
    "api/v1/backfills/<int:pk>/progress": _api(
        read=NOT_JUDGED_API, url=lambda d: "/api/v1/backfills/1/progress"
    ),
    # --- governance pages -------------------------------------------------------------
    "reviews/": Rule(read=PAGE, write=PAGE_405, url=lambda d: "/reviews/"),
    "reviews/<int:pk>/attest/": Rule(
        read=PAGE_405,
        write=ASSET_PAGE,
        url=lambda d: f"/reviews/{d.asset.pk}/attest/",
        payload=lambda d: {"outcome": "confirmed", "comment": "matrix"},
        took_effect=lambda d: Review.objects.filter(asset=d.asset).exists(),
        applies_to=frozenset(EDITORS),
    ),
    "governance/catalog/": Rule(read=PAGE, write=PAGE_405, url=lambda d: "/governance/catalog/"),
    "governance/catalog/bulk/": Rule(  # another steward is told which rows were refused
        read=PAGE_405,
        write=cells(302, 302, 302, 403, 302),
        url=lambda d: "/governance/catalog/bulk/",
        payload=lambda d: {"datasets": [d.dataset.pk], "level": "confidential"},
        took_effect=lambda d: _fresh(d.asset).classification == "confidential",
        applies_to=frozenset(EDITORS),
    ),
    "governance/datasets/<int:pk>/": Rule(
        read=PAGE, write=PAGE_405, url=lambda d: f"/governance/datasets/{d.dataset.pk}/"
    ),
    "governance/datasets/<int:pk>/panel/": Rule(
        read=PAGE, write=PAGE_405, url=lambda d: f"/governance/datasets/{d.dataset.pk}/panel/"
    ),
    "governance/datasets/<int:pk>/edit/": Rule(
        read=PAGE_405,
        write=ASSET_PAGE,
        url=lambda d: f"/governance/datasets/{d.dataset.pk}/edit/",
        payload=lambda d: {"classification": "restricted", "version": 0, "edits": "classification"},
        took_effect=lambda d: _fresh(d.asset).classification == "restricted",
        applies_to=frozenset(EDITORS),
    ),
    "governance/columns/<int:pk>/edit/": Rule(
        read=PAGE_405,
        write=ASSET_PAGE,
        url=lambda d: f"/governance/columns/{d.column.pk}/edit/",
        payload=lambda d: {
            "classification": "restricted",
            "tags": ["pii"],
            "masking_policy": d.policy.pk,
            "version": 0,
            "edits": "classification tags masking_policy",
        },
        took_effect=lambda d: _fresh(d.column_asset).masking_policy_id == d.policy.pk,
        applies_to=frozenset(EDITORS),
    ),
    "governance/suggestions/<int:pk>/accept/": Rule(
        read=PAGE_405,
        write=ASSET_PAGE,
        url=lambda d: f"/governance/suggestions/{d.suggestion.pk}/accept/",
        took_effect=lambda d: Suggestion.objects.get(pk=d.suggestion.pk).state == "accepted",
        applies_to=frozenset(EDITORS),
    ),
    "governance/suggestions/<int:pk>/reject/": Rule(
        read=PAGE_405,
        write=ASSET_PAGE,
        url=lambda d: f"/governance/suggestions/{d.suggestion.pk}/reject/",
        took_effect=lambda d: Suggestion.objects.get(pk=d.suggestion.pk).state == "rejected",
        applies_to=frozenset(EDITORS),
    ),
    "governance/gaps/": Rule(read=PAGE, write=PAGE_405, url=lambda d: "/governance/gaps/"),
    "governance/audit/": Rule(read=PAGE, write=PAGE_405, url=lambda d: "/governance/audit/"),
    "governance/audit/verify/": Rule(  # queues a verification: auditors and admins
        read=PAGE_405,
        write=cells(302, 403, 403, 302, 302),
        url=lambda d: "/governance/audit/verify/",
        applies_to=frozenset(),
    ),
    "governance/csv/": Rule(read=PAGE, write=PAGE_405, url=lambda d: "/governance/csv/"),
    "governance/csv/export/": Rule(
        read=cells(302, 403, 403, 200, 200), write=PAGE_405, url=lambda d: "/governance/csv/export/"
    ),
    "governance/csv/preview/": Rule(  # keeps the upload and queues its check
        read=PAGE_405,
        write=cells(302, 302, 302, 403, 302),
        url=lambda d: "/governance/csv/preview/",
        payload=lambda d: {"file": _named(io.StringIO(CSV))},
        took_effect=lambda d: _fresh(d.asset).classification == "restricted",
        applies_to=frozenset(),
    ),
    "governance/csv/imports/<int:pk>/": Rule(  # the uploader's (and admins') own
        read=cells(302, 200, 403, 403, 200),
        write=PAGE_405,
        url=lambda d: f"/governance/csv/imports/{d.csv_import.pk}/",
    ),
    "governance/csv/imports/<int:pk>/progress": Rule(
        read=cells(302, 200, 403, 403, 200),
        write=PAGE_405,
        url=lambda d: f"/governance/csv/imports/{d.csv_import.pk}/progress",
    ),
    "governance/csv/imports/<int:pk>/apply/": Rule(  # queues the apply (a task, after commit)
        read=PAGE_405,
        write=cells(302, 302, 403, 403, 302),
        url=lambda d: f"/governance/csv/imports/{d.csv_import.pk}/apply/",
        took_effect=lambda d: CsvImport.objects.get(pk=d.csv_import.pk).state == "applying",
        applies_to=frozenset({"owner", "admin"}),
    ),
    # --- governance API -----------------------------------------------------------------
    "api/v1/governance/datasets/": _api(url=lambda d: "/api/v1/governance/datasets/"),
    "api/v1/governance/datasets/<int:pk>/": _api(
        write=ASSET_API,
        method="patch",
        url=lambda d: f"/api/v1/governance/datasets/{d.dataset.pk}/",
        payload=lambda d: {"classification": "restricted", "expected_version": 0},
        took_effect=lambda d: _fresh(d.asset).classification == "restricted",
        applies_to=frozenset(EDITORS),
    ),
    "api/v1/governance/columns/": _api(url=lambda d: "/api/v1/governance/columns/"),
    "api/v1/governance/columns/<int:pk>/": _api(
        write=ASSET_API,
        method="patch",
        url=lambda d: f"/api/v1/governance/columns/{d.column.pk}/",
        payload=lambda d: {"tags": ["pii"], "masking_policy": d.policy.name},
        took_effect=lambda d: _fresh(d.column_asset).masking_policy_id == d.policy.pk,
        applies_to=frozenset(EDITORS),
    ),
    "api/v1/governance/classifications/": _api(url=lambda d: "/api/v1/governance/classifications/"),
    "api/v1/governance/tags/": _api(
        write=ADMIN_CREATE,
        url=lambda d: "/api/v1/governance/tags/",
        payload=lambda d: {"slug": "matrix", "name": "Matrix"},
        took_effect=lambda d: RegulatoryTag.objects.filter(slug="matrix").exists(),
        applies_to=frozenset({"admin"}),
    ),
    "api/v1/governance/tags/<slug:slug>/": _api(
        write=ADMIN_UPDATE,
        method="patch",
        url=lambda d: "/api/v1/governance/tags/pii/",
        payload=lambda d: {"description": "matrix"},
        took_effect=lambda d: RegulatoryTag.objects.get(slug="pii").description == "matrix",
        applies_to=frozenset({"admin"}),
    ),
    "api/v1/governance/stewards/": _api(
        write=ADMIN_CREATE,
        url=lambda d: "/api/v1/governance/stewards/",
        payload=lambda d: {"name": "Matrix Team", "kind": "team"},
        took_effect=lambda d: Steward.objects.filter(name="Matrix Team").exists(),
        applies_to=frozenset({"admin"}),
    ),
    "api/v1/governance/stewards/<int:pk>/": _api(
        write=ADMIN_UPDATE,
        method="patch",
        url=lambda d: f"/api/v1/governance/stewards/{d.steward.pk}/",
        payload=lambda d: {"email": "matrix@example.com"},
        took_effect=lambda d: Steward.objects.get(pk=d.steward.pk).email == "matrix@example.com",
        applies_to=frozenset({"admin"}),
    ),
    "api/v1/governance/masking-policies/": _api(
        write=ADMIN_CREATE,
        url=lambda d: "/api/v1/governance/masking-policies/",
        payload=lambda d: {"name": "MATRIX_HASH", "kind": "hash"},
        took_effect=lambda d: MaskingPolicy.objects.filter(name="MATRIX_HASH").exists(),
        applies_to=frozenset({"admin"}),
    ),
    "api/v1/governance/masking-policies/<int:pk>/": _api(
        write=ADMIN_UPDATE,
        method="patch",
        url=lambda d: f"/api/v1/governance/masking-policies/{d.policy.pk}/",
        payload=lambda d: {"description": "matrix"},
        took_effect=lambda d: MaskingPolicy.objects.get(pk=d.policy.pk).description == "matrix",
        applies_to=frozenset({"admin"}),
    ),
    "api/v1/governance/reviews/": _api(
        write=cells(403, 201, 403, 403, 201),
        url=lambda d: "/api/v1/governance/reviews/",
        payload=lambda d: {"asset": d.dataset.key, "outcome": "confirmed"},
        took_effect=lambda d: Review.objects.filter(asset=d.asset).exists(),
        applies_to=frozenset(EDITORS),
    ),
    "api/v1/governance/reviews/due/": _api(url=lambda d: "/api/v1/governance/reviews/due/"),
    "api/v1/governance/reviews/<int:pk>/": _api(
        url=lambda d: f"/api/v1/governance/reviews/{d.review.pk}/"
    ),
    "api/v1/governance/audit-events/": _api(url=lambda d: "/api/v1/governance/audit-events/"),
    "api/v1/governance/audit-events/verify/": _api(
        url=lambda d: "/api/v1/governance/audit-events/verify/"
    ),
    "api/v1/governance/audit-events/<int:seq>/": _api(
        url=lambda d: "/api/v1/governance/audit-events/1/"
    ),
    # --- exposure API: reads for everyone, decisions for the exposed asset's steward ----
    "api/v1/exposure/paths": _api(
        url=lambda d: f"/api/v1/exposure/paths?target={d.dataset.key}&max_depth=3"
    ),
    "api/v1/exposure/^findings$": _api(url=lambda d: "/api/v1/exposure/findings"),
    "api/v1/exposure/^findings/(?P<pk>[^/.]+)$": _api(
        url=lambda d: f"/api/v1/exposure/findings/{d.finding.pk}"
    ),
    "api/v1/exposure/^findings/(?P<pk>[^/.]+)/acknowledge$": _api(
        read=API_405,
        write=ASSET_API,
        url=lambda d: f"/api/v1/exposure/findings/{d.finding.pk}/acknowledge",
        payload=lambda d: {"reason": "matrix: accepted until the mart is reclassified"},
        took_effect=lambda d: Finding.objects.get(pk=d.finding.pk).state == "acknowledged",
        applies_to=frozenset(EDITORS),
    ),
    "api/v1/exposure/^findings/(?P<pk>[^/.]+)/resolve$": _api(
        read=API_405,
        write=ASSET_API,
        url=lambda d: f"/api/v1/exposure/findings/{d.finding.pk}/resolve",
        payload=lambda d: {"reason": "matrix: the export job was dropped"},
        took_effect=lambda d: Finding.objects.get(pk=d.finding.pk).state == "resolved",
        applies_to=frozenset(EDITORS),
    ),
}


def _named(upload: io.StringIO) -> io.StringIO:
    upload.name = "classes.csv"
    return upload


def _routes(resolver=None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _rule_key(route: str) -> str:
    # The Django admin is one rule: its routes are generated from the registered models.
    return "admin/" if route.startswith("admin/") else route


ROUTES = sorted({_rule_key(route) for route in _routes()})


def test_every_route_has_a_rule():
    missing = [route for route in ROUTES if route not in RULES]
    assert not missing, (
        "These routes have no rule in the permission matrix; add a row to RULES in "
        f"tests/governance/test_permission_matrix.py saying who may read and write them: {missing}"
    )


def test_no_rule_for_a_route_that_is_gone():
    assert not sorted(set(RULES) - set(ROUTES))


@pytest.fixture
def data(world) -> Data:
    world.admin.is_staff = True
    world.admin.save()
    column_asset = AssetGovernanceFactory(
        dataset=None,
        column=ColumnFactory(dataset=world.asset.dataset, name="email"),
        steward=world.person,
    )
    when = datetime(2026, 6, 1, tzinfo=UTC)
    run = IngestionRun.objects.create(
        source=Source.objects.create(name="warehouse", kind="snowflake"),
        window_start=when,
        window_end=when,
    )
    return Data(
        asset=world.asset,
        column_asset=column_asset,
        suggestion=Suggestion.objects.create(
            asset=world.asset, tag=tag("pii"), source="snowflake:TAG_REFERENCES"
        ),
        review=services.review_attest(
            actor=world.admin, asset=world.team_asset, outcome="confirmed"
        ),
        policy=MaskingPolicyFactory(name="EMAIL_HASH"),
        steward=world.person,
        run=run,
        finding=_finding(world.asset.dataset.key),
        users={
            "anonymous": None,
            "owner": world.owner,
            "other": world.other,
            "auditor": world.auditor,
            "admin": world.admin,
        },
        csv_import=CsvImport.objects.create(
            created_by=world.owner,
            filename="classes.csv",
            stored_name="matrix.csv",
            state=CsvImport.State.PREVIEWED,
        ),
    )


def _finding(target: str) -> Finding:
    """An open exposure whose exposed asset is the owner's dataset."""
    when = datetime(2026, 6, 1, tzinfo=UTC)
    return Finding.objects.create(
        identity=f"unmasked_pii_path|snowflake://prod_db.raw.people#email|{target}",
        kind="unmasked_pii_path",
        risk_level="HIGH",
        source="snowflake://prod_db.raw.people#email",
        source_dataset="snowflake://prod_db.raw.people",
        target=target,
        target_dataset=target,
        first_detected=when,
        last_detected=when,
    )


CASES = [(route, kind) for route in ROUTES if route in RULES for kind in ("read", "write")]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "kind"), CASES)
def test_matrix(client, data, route, kind):
    """One route, one kind of request, every role — each role's request rolled back after."""
    rule = RULES[route]
    wrong = []
    for role in ROLES:
        with transaction.atomic():
            wrong += _cell(client, data, rule, role, kind)
            transaction.set_rollback(True)
        client.logout()
    assert not wrong, f"{kind} {route}:\n" + "\n".join(wrong)


def _cell(client, data: Data, rule: Rule, role: str, kind: str) -> list[str]:
    expected = getattr(rule, kind)[role]
    if data.users[role] is not None:
        client.force_login(data.users[role])
    url = rule.url(data)
    response = client.get(url) if kind == "read" else _write(client, data, rule, url)
    status = response.status_code
    if expected is None and status >= 500:
        return [f"  {role}: server error {status}"]
    if expected is not None and status != expected:
        return [f"  {role}: got {status}, expected {expected}"]
    # The admin sends anonymous visitors to its own login page (throttled like the portal's).
    logins = (
        ("/accounts/login/", "/admin/login/")
        if url.startswith("/admin/")
        else ("/accounts/login/",)
    )
    if role == "anonymous" and status == 302 and not response["Location"].startswith(logins):
        return [f"  {role}: redirected to {response['Location']}, not to the login page"]
    if kind == "write" and rule.took_effect is not None:
        if rule.took_effect(data) != (role in rule.applies_to):
            return [
                f"  {role}: the write {'did not take' if role in rule.applies_to else 'took'} effect"
            ]
    return []


def _write(client, data: Data, rule: Rule, url: str):
    payload = rule.prepare(client, data) if rule.prepare else {}
    payload.update(rule.payload(data) if rule.payload else {})
    if rule.method == "patch":
        return client.patch(url, payload, content_type="application/json")
    if url.startswith("/api/"):
        return client.post(url, payload, content_type="application/json")
    return client.post(url, payload)
