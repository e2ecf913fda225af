"""Tags and masking policies set in the warehouse become suggestions for stewards.

``warehouse_tags_sync`` reads TAG_REFERENCES and POLICY_REFERENCES through the Snowflake
source, finds each tagged table or column in the catalog, and creates a pending
``TagSuggestion`` for what the catalog does not say yet. Stewards accept or reject them
(``tag_suggestion_accept``/``reject``); the sync itself changes no asset.

Decisions worth knowing:

* Tag names map to regulatory tags through ``TAG_SLUGS`` (and ``VALUE_SLUGS`` where the
  value decides, as for Snowflake's own PRIVACY_CATEGORY), else to a tag whose slug is
  the tag's name (an admin can add ``cost_center`` and the next sync will use it).
  Unmapped tags are skipped and reported; so are negative values (PII = 'NONE').
* Masking policies map to a ``MaskingPolicy`` by its ``warehouse_policy``
  (``DB.SCHEMA.NAME``); unknown ones, and policies of other kinds (row access), are
  reported. A column whose steward chose another masking policy gets no suggestion:
  accepting it would overwrite that choice. The conflict is reported instead.
* Idempotent: a suggestion already made (pending, accepted or rejected) is never made
  again, and nothing is suggested that the asset already has.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from graph import keys
from graph.models import Column, Dataset, Source
from graph.sources import source_for
from graph.sources.base import FetchIssue
from graph.store.base import column_key

from .models import AssetGovernance, MaskingPolicy, RegulatoryTag, TagSuggestion
from .permissions import ensure_can_administer
from .services import asset_governance_get_or_create

if TYPE_CHECKING:
    from lineage_portal.access import Actor

TAG_SOURCE = "snowflake:TAG_REFERENCES"
POLICY_SOURCE = "snowflake:POLICY_REFERENCES"
# Snowflake tag name (upper-case, any database and schema) → regulatory tag slug.
TAG_SLUGS = {
    "PII": "pii",
    "GDPR": "gdpr",
    "CCPA": "ccpa",
    "HIPAA": "hipaa",
    "PHI": "hipaa",
    "SOX": "sox",
    "PCI": "pci",
    "PCI_DSS": "pci",
    "FINANCIAL": "financial",
}
# (tag name, value) → slug, for tags whose value carries the meaning.
VALUE_SLUGS = {
    ("PRIVACY_CATEGORY", "IDENTIFIER"): "pii",
    ("PRIVACY_CATEGORY", "QUASI_IDENTIFIER"): "pii",
    ("PRIVACY_CATEGORY", "SENSITIVE"): "pii",
}
NEGATIVE_VALUES = {"NONE", "NO", "FALSE", "N/A", "NOT_APPLICABLE"}


@dataclass
class SyncReport:
    """What one sync found and did; ``summary()`` is what the command prints."""

    source: str
    created: list[str] = field(default_factory=list)  # "<asset key>: tag:pii"
    already_suggested: int = 0
    already_applied: int = 0
    ignored_values: int = 0
    conflicts: list[str] = field(default_factory=list)
    unknown_tags: Counter = field(default_factory=Counter)
    unknown_policies: Counter = field(default_factory=Counter)
    unsupported_policies: Counter = field(default_factory=Counter)
    missing_assets: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Warehouse tags of {self.source}: {len(self.created)} suggestions created, "
            f"{self.already_suggested} already suggested, {self.already_applied} already applied.",
            *(f"  + {item}" for item in self.created),
        ]
        for title, items in (
            ("Unknown tags (map them or add a regulatory tag)", _counted(self.unknown_tags)),
            ("Unknown masking policies (set warehouse_policy)", _counted(self.unknown_policies)),
            ("Policies not suggested", _counted(self.unsupported_policies)),
            ("Conflicts with a steward's masking policy", self.conflicts),
            ("Not in the catalog (ingest first)", sorted(set(self.missing_assets))),
            ("Rows skipped", self.issues),
        ):
            if items:
                lines.append(f"{title}: {len(items)}")
                lines += [f"  - {item}" for item in items]
        return "\n".join(lines)


def _counted(counter: Counter) -> list[str]:
    return [f"{name} ({n}×)" if n > 1 else name for name, n in sorted(counter.items())]


def warehouse_tags_sync(
    *, source: Source, actor: Actor | None = None, fetcher: Any = None
) -> SyncReport:
    """Create pending suggestions for the warehouse's tags and masking policies.

    ``actor`` is the user asking (a compliance admin), or None for a command or task.
    """
    if actor is not None:
        ensure_can_administer(actor)
    if source.kind != Source.Kind.SNOWFLAKE:
        raise ValidationError(f"Source {source.name!r} is {source.kind}: only Snowflake has tags.")
    report = SyncReport(source=source.name)
    own = fetcher is None
    fetcher = fetcher or source_for(source)
    try:
        issues: list[FetchIssue] = []
        tags = fetcher.fetch_tag_references(on_issue=issues.append)
        policies = fetcher.fetch_policy_references(on_issue=issues.append)
    finally:
        if own:
            fetcher.close()
    report.issues = [issue.reason for issue in issues]
    assets = _Assets(fetcher.platform, report)
    with transaction.atomic():
        for ref in tags:
            _suggest_tag(ref, assets, report)
        for ref in policies:
            _suggest_policy(ref, assets, report)
    return report


def warehouse_tags_sync_demo(*, days: int = 1, actor: Actor | None = None) -> SyncReport:
    """Sync the demo warehouse, whose emulator only runs while something holds it open."""
    from graph.demo import demo_server, demo_source

    with demo_server(days=days) as server:
        return warehouse_tags_sync(source=demo_source(server), actor=actor)


class _Assets:
    """Catalog assets by the warehouse's names; missing ones are noted in the report."""

    def __init__(self, platform: str, report: SyncReport):
        self.platform, self.report = platform, report

    def get(self, database: str, schema: str, table: str, column: str | None):
        quoted = ".".join('"' + p.replace('"', '""') + '"' for p in (database, schema, table))
        key = keys.dataset_key(self.platform, quoted)
        if column:
            key = column_key(key, column)
            found = {"column": Column.objects.filter(key=key).first()}
        else:
            found = {"dataset": Dataset.objects.filter(key=key).first()}
        if None in found.values():
            self.report.missing_assets.append(key)
            return None
        return asset_governance_get_or_create(**found)


def tag_slug(name: str, value: str | None) -> str | None:
    """The regulatory tag a warehouse tag means, or None if it is not mapped."""
    name, value = name.upper(), (value or "").upper()
    slug = VALUE_SLUGS.get((name, value)) or TAG_SLUGS.get(name)
    if slug is None and RegulatoryTag.objects.filter(slug=name.lower()).exists():
        slug = name.lower()
    return slug


def _suggest_tag(ref, assets: _Assets, report: SyncReport) -> None:
    if (ref.tag_value or "").upper() in NEGATIVE_VALUES:
        report.ignored_values += 1
        return
    slug = tag_slug(ref.tag_name, ref.tag_value)
    tag = RegulatoryTag.objects.filter(slug=slug).first() if slug else None
    if tag is None:
        report.unknown_tags[f"{ref.tag} = '{ref.tag_value}'"] += 1
        return
    asset = assets.get(ref.database, ref.schema, ref.table, ref.column)
    if asset is None:
        return
    if asset.tags.filter(pk=tag.pk).exists():
        report.already_applied += 1
        return
    detail = f"{ref.tag} = '{ref.tag_value}'"
    _create(asset, report, {"tag": tag}, TAG_SOURCE, detail, f"tag:{tag.slug}")


def _suggest_policy(ref, assets: _Assets, report: SyncReport) -> None:
    if ref.policy_kind != "MASKING_POLICY" or ref.status != "ACTIVE":
        report.unsupported_policies[f"{ref.policy} ({ref.policy_kind}, {ref.status})"] += 1
        return
    policy = MaskingPolicy.objects.filter(warehouse_policy__iexact=ref.policy).first()
    if policy is None:
        report.unknown_policies[ref.policy] += 1
        return
    asset = assets.get(ref.database, ref.schema, ref.table, ref.column)
    if asset is None:
        return
    if asset.masking_policy_id == policy.pk:
        report.already_applied += 1
    elif asset.masking_policy_id is not None:
        report.conflicts.append(
            f"{asset.key}: the warehouse applies {ref.policy}, "
            f"the steward chose {asset.masking_policy.name}"
        )
    else:
        target = {"masking_policy": policy}
        _create(asset, report, target, POLICY_SOURCE, ref.policy, f"masking:{policy.name}")


def _create(
    asset: AssetGovernance, report: SyncReport, target: dict, source: str, detail: str, what: str
) -> None:
    """A pending suggestion, unless one was ever made (the unique constraints say so too)."""
    _, created = TagSuggestion.objects.get_or_create(
        asset=asset, source=source, **target, defaults={"detail": detail[:512]}
    )
    if created:
        report.created.append(f"{asset.key}: {what}")
    else:
        report.already_suggested += 1
