"""The demo governance seed: audited, tolerant of a partial catalog, idempotent."""

from __future__ import annotations

from governance import selectors
from governance.audit_verify import audit_trail_verify
from governance.demo import POLICIES, PREFIX, SPECS, SUGGESTIONS, demo_governance_seed
from governance.models import AssetGovernance, AuditEvent, Review, Steward, TagSuggestion
from governance.services import classification_assign, demo_users_create

from .factories import ColumnFactory, DatasetFactory


def _catalog(skip: set[str] = frozenset()) -> None:
    """The demo keys in the catalog, except ``skip`` (dataset keys)."""
    keys = {spec.key for spec in SPECS} | {key for key, _, _ in SUGGESTIONS} | {"raw.orders"}
    for key in sorted(keys):
        table, _, column = key.partition("#")
        if table in skip:
            continue
        schema, name = table.split(".")
        dataset = DatasetFactory(schema=schema, name=name)
        if column:
            ColumnFactory(dataset=dataset, name=column.upper())


def test_seed_is_audited_and_tolerates_missing_assets(db):
    demo_users_create()
    _catalog(skip={"analytics.fct_ledger_balances", "raw.support_tickets"})
    report = demo_governance_seed()
    assert (report.stewards, report.policies, report.reviews) == (3, len(POLICIES), 1)
    assert report.assets == len(SPECS) - 1 and report.suggestions == len(SUGGESTIONS) - 1
    assert report.missing == [
        PREFIX + "analytics.fct_ledger_balances",
        PREFIX + "raw.support_tickets#requester_email",
    ]
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {"admin", "steward"}
    assert audit_trail_verify().intact
    customers = selectors.asset_governance_get(key=PREFIX + "raw.customers")
    assert customers.classification == "restricted" and customers.steward.name == "Demo Steward"
    assert {"pii", "gdpr"} <= set(customers.tags.values_list("slug", flat=True))
    email = selectors.asset_governance_get(key=PREFIX + "raw.customers#email")
    assert email.masking_policy.name == "EMAIL_HASH"
    export = selectors.asset_governance_get(key=PREFIX + "marts.marketing_export")
    assert export.classification == "internal" and not export.masking_policy


def test_the_steward_user_has_reviews_overdue_and_due_soon(db):
    demo_users_create()
    _catalog()
    demo_governance_seed()
    steward = Steward.objects.get(name="Demo Steward").members.get()
    states = {asset.review_state for asset in selectors.review_due_list(user=steward)}
    assert states == {"overdue", "due_soon"}
    assert selectors.steward_gap_list().filter(dataset__name="web_events").exists()
    assert TagSuggestion.objects.filter(state="pending").count() == len(SUGGESTIONS)
    assert Review.objects.get().asset.key == PREFIX + "raw.orders"


def test_seed_is_idempotent_and_keeps_later_edits(db):
    demo_users_create()
    _catalog()
    demo_governance_seed()
    counts = (AuditEvent.objects.count(), AssetGovernance.objects.count(), Review.objects.count())
    admin = Steward.objects.get(name="Demo Steward").members.model.objects.get(username="admin")
    export = selectors.asset_governance_get(key=PREFIX + "marts.marketing_export")
    classification_assign(actor=admin, asset=export, level="restricted", reason="leak found")
    again = demo_governance_seed()
    assert (again.stewards, again.policies, again.assets, again.suggestions, again.reviews) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert (
        AuditEvent.objects.count(),
        AssetGovernance.objects.count(),
        Review.objects.count(),
    ) == (
        counts[0] + 1,
        counts[1],
        counts[2],
    )
    export.refresh_from_db()
    assert export.classification == "restricted"


def test_seed_on_an_empty_catalog_creates_only_registries(db):
    report = demo_governance_seed()
    assert report.assets == 0 and len(report.missing) == len(SPECS) + len(SUGGESTIONS) + 1
    assert Steward.objects.count() == 3 and "not in the catalog" in report.summary()
