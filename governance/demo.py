"""Governance for the demo warehouse (PROD_DB): stewards, masking policies, classifications.

Everything goes through the services as the ``admin`` demo user, so the demo's audit
trail is real. Idempotent and non-destructive: registries are created only when missing
and an asset is seeded only while nobody has edited it (version 0); catalog datasets or
columns that do not exist (yet) are skipped and listed in the report.

The story it sets up: customer PII is restricted and stewarded by the ``steward`` demo
user; finance tables belong to the "Finance Data" team (the ``steward`` user is a member);
marts belong to "Data Platform" (no demo member, so the steward is refused there); the
marketing export is only *internal* although raw e-mails and phones flow into it
unmasked — the leak exposure analysis should flag; raw web events have no steward.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from graph.models import Column, Dataset

from . import services
from .models import AssetGovernance, MaskingPolicy, RegulatoryTag, Review, Steward, TagSuggestion
from .permissions import can_edit_asset

PREFIX = "snowflake://prod_db."
REASON = "Demo governance seed"
PERSON = "Demo Steward"
PLATFORM = "Data Platform"
FINANCE = "Finance Data"

# name, kind, e-mail, demo usernames who act for it
STEWARDS = [
    (PERSON, "person", "steward@demo.lineage-portal.local", ["steward"]),
    (PLATFORM, "team", "data-platform@demo.lineage-portal.local", []),
    (FINANCE, "team", "finance-data@demo.lineage-portal.local", ["steward"]),
]
POLICIES = [
    ("EMAIL_HASH", "hash", "PROD_DB.POLICIES.EMAIL_HASH", "SHA-256 of the lower-cased address."),
    ("EMAIL_MASK", "hash", "PROD_DB.POLICIES.EMAIL_MASK", "Hashed for every role but PII_READER."),
    ("PHONE_REDACT", "redact", "PROD_DB.POLICIES.PHONE_REDACT", "All but the last two digits."),
    ("PAN_TOKENIZE", "tokenize", "PROD_DB.POLICIES.PAN_TOKENIZE", "Card data as vault tokens."),
]


@dataclass(frozen=True)
class Spec:
    """The governance one demo asset gets; ``review_in`` days from today (negative: overdue)."""

    key: str
    level: str
    tags: tuple[str, ...] = ()
    steward: str | None = None
    policy: str | None = None
    review_in: int | None = None


PII, FIN, SOX = ("pii", "gdpr"), ("financial",), ("financial", "sox")
SPECS = [
    Spec("raw.customers", "restricted", (*PII, "ccpa"), PERSON, review_in=-10),
    Spec("raw.customers#email", "restricted", PII, PERSON, "EMAIL_HASH", review_in=-3),
    Spec("raw.customers#phone", "restricted", PII, PERSON, "PHONE_REDACT", review_in=5),
    Spec("raw.customers#first_name", "confidential", ("pii",), PERSON),
    Spec("raw.customers#last_name", "confidential", ("pii",), PERSON),
    Spec("raw.customers#date_of_birth", "restricted", PII, PERSON),
    Spec("staging.stg_customers", "restricted", PII, PERSON, review_in=9),
    Spec("staging.stg_customers#email", "restricted", ("pii",), PERSON, "EMAIL_HASH"),
    Spec("raw.payments", "confidential", (*SOX, "pci"), FINANCE, review_in=12),
    Spec("raw.payments#card_last4", "confidential", ("pci", "financial"), FINANCE, "PAN_TOKENIZE"),
    Spec("raw.ledger_entries", "confidential", SOX, FINANCE, review_in=-1),
    Spec("raw.invoices", "confidential", SOX, FINANCE),
    Spec("raw.orders", "confidential", FIN, FINANCE),
    Spec("analytics.fct_payments", "confidential", FIN, FINANCE),
    Spec("analytics.fct_ledger_balances", "confidential", SOX, FINANCE),
    Spec("analytics.dim_customers", "confidential", ("pii",), PLATFORM),
    Spec("raw.web_events", "confidential", PII),  # no steward: a steward gap
    Spec("marts.finance_kpis", "internal", FIN, PLATFORM),
    Spec("marts.customer_segments", "internal", (), PLATFORM),
    Spec("marts.campaign_performance", "internal", (), PLATFORM),
    Spec("marts.support_dashboard", "internal", (), PLATFORM),
    Spec("marts.marketing_export", "internal", (), PLATFORM),  # the leak
]
# (asset, tag or masking policy, where the warehouse sync found it)
SUGGESTIONS = [
    ("raw.support_tickets#requester_email", "tag:pii", "PROD_DB.GOVERNANCE.PII = 'EMAIL'"),
    ("raw.email_events#email", "tag:pii", "PROD_DB.GOVERNANCE.PII = 'EMAIL'"),
    ("raw.invoices#billing_email", "masking:EMAIL_HASH", "PROD_DB.POLICIES.EMAIL_HASH"),
]


@dataclass
class DemoGovernanceReport:
    """What the seed created, and which demo keys the catalog does not have."""

    stewards: int = 0
    policies: int = 0
    assets: int = 0
    suggestions: int = 0
    reviews: int = 0
    missing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Governance demo: {self.stewards} stewards, {self.policies} masking policies, "
            f"{self.assets} assets classified, {self.reviews} reviews, "
            f"{self.suggestions} suggestions created"
        )
        return text + (
            f"; {len(self.missing)} demo assets not in the catalog." if self.missing else "."
        )


def demo_governance_seed() -> DemoGovernanceReport:
    """Seed the demo governance (see the module docstring); safe to run again."""
    admin = _demo_user("admin")
    report = DemoGovernanceReport()
    with transaction.atomic():
        _seed_stewards(admin, report)
        _seed_policies(admin, report)
        for spec in SPECS:
            _seed_asset(admin, spec, report)
        _seed_suggestions(report)
        _seed_review(_demo_user("steward"), report)
    return report


def _demo_user(username: str):
    users = get_user_model().objects
    if not users.filter(username=username).exists():
        services.demo_users_create()
    return users.get(username=username)


def _seed_stewards(admin, report: DemoGovernanceReport) -> None:
    for name, kind, email, usernames in STEWARDS:
        if not Steward.objects.filter(name=name).exists():
            members = [_demo_user(username) for username in usernames]
            services.steward_create(
                actor=admin, name=name, kind=kind, email=email, members=members, reason=REASON
            )
            report.stewards += 1


def _seed_policies(admin, report: DemoGovernanceReport) -> None:
    for name, kind, warehouse_policy, description in POLICIES:
        if not MaskingPolicy.objects.filter(name=name).exists():
            services.masking_policy_create(
                actor=admin,
                name=name,
                kind=kind,
                warehouse_policy=warehouse_policy,
                description=description,
                reason=REASON,
            )
            report.policies += 1


def _catalog_asset(key: str, report: DemoGovernanceReport) -> AssetGovernance | None:
    """The governance row of a demo key, or None (noted in the report) if not in the catalog."""
    dataset_key, _, column = (PREFIX + key).partition("#")
    if column:
        found = Column.objects.filter(dataset__key=dataset_key, name__iexact=column).first()
        kwargs = {"column": found}
    else:
        found = Dataset.objects.filter(key=dataset_key).first()
        kwargs = {"dataset": found}
    if found is None:
        report.missing.append(PREFIX + key)
        return None
    return services.asset_governance_get_or_create(**kwargs)


def _seed_asset(admin, spec: Spec, report: DemoGovernanceReport) -> None:
    asset = _catalog_asset(spec.key, report)
    if asset is None or asset.version > 0:  # someone already governs it: leave it alone
        return
    changes = {
        "classification": spec.level,
        "tags": list(spec.tags),
        "steward": spec.steward,
        "masking_policy": spec.policy,
    }
    if spec.review_in is not None:
        changes["next_review_due"] = timezone.localdate() + timedelta(days=spec.review_in)
    services.asset_update(
        actor=admin, asset=asset, changes=changes, expected_version=0, reason=REASON
    )
    report.assets += 1


def _seed_suggestions(report: DemoGovernanceReport) -> None:
    for key, suggested, detail in SUGGESTIONS:
        asset = _catalog_asset(key, report)
        if asset is None:
            continue
        kind, _, name = suggested.partition(":")
        if kind == "tag":
            target = {"tag": RegulatoryTag.objects.get(slug=name)}
            source = "snowflake:TAG_REFERENCES"
        else:
            target = {"masking_policy": MaskingPolicy.objects.get(name=name)}
            source = "snowflake:POLICY_REFERENCES"
        _, created = TagSuggestion.objects.get_or_create(
            asset=asset, source=source, **target, defaults={"detail": detail}
        )
        report.suggestions += created


def _seed_review(steward, report: DemoGovernanceReport) -> None:
    """One past attestation, so the review history is not empty."""
    asset = _catalog_asset("raw.orders", report)
    if asset is None or Review.objects.filter(asset=asset).exists():
        return
    if not can_edit_asset(steward, asset):  # re-stewarded since: not the demo's to attest
        return
    services.review_attest(
        actor=steward,
        asset=asset,
        outcome="confirmed",
        comment="Quarterly review: classification and steward still correct.",
    )
    report.reviews += 1
