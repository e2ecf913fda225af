"""What is sensitive, what protects it, and which edges carry its value.

* **Sensitive sources**: a column whose own classification is confidential or restricted,
  or that carries a regulatory tag. A dataset classified that way whose columns nobody
  classified makes all its columns sources (the steward decided at table level); once a
  steward classifies some columns of a dataset, those columns are the sources.
* **Protection of a place the value lands**: a column's own classification, else its
  dataset's; its tags and its dataset's; its masking policy, set by a steward or attached
  in the warehouse (POLICY_REFERENCES). A value is exposed where it lands classified lower
  than its source, or without one of the source's tags, and no masking policy masks reads.
* **Risk**: by the source's tags, through ``compliance.risk_tags`` (PII-like tags →
  ``pii_exposure``, financial → ``financial_data``, the rest → ``public_data``) and the
  level each key has in ``compliance.risk_thresholds``.
* **Value flow** (OpenLineage's vocabulary): INDIRECT edges never carry the value; an
  edge that hashes, redacts, tokenizes or counts masks it; an aggregate such as SUM or AVG
  masks PII but still carries financial data; a table-level edge, or a column edge whose
  transformation nobody could tell, carries it with *unknown* masking — never "masked".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum

from django.conf import settings
from django.db.models import Q

from graph.keys import ColumnKey, is_column_key
from graph.masking import INDIRECT
from graph.models import Column
from graph.store.base import Edge

from ..models import AssetGovernance, TagSuggestion, classification_rank

SENSITIVE_RANK = classification_rank("confidential")
PII_EXPOSURE, FINANCIAL_DATA, PUBLIC_DATA = "pii_exposure", "financial_data", "public_data"
DEFAULT_RISK_TAGS = {
    PII_EXPOSURE: ("pii", "gdpr", "ccpa", "hipaa", "phi"),
    FINANCIAL_DATA: ("financial", "sox", "pci"),
    PUBLIC_DATA: (),
}
DEFAULT_RISK_LEVELS = {PII_EXPOSURE: "HIGH", FINANCIAL_DATA: "MEDIUM", PUBLIC_DATA: "LOW"}
RISK_ORDER = ("HIGH", "MEDIUM", "LOW")
WAREHOUSE_POLICIES = "snowflake:POLICY_REFERENCES"


def risk_tags() -> dict[str, tuple[str, ...]]:
    """Risk key → the tags that put a source under it (``compliance.risk_tags``)."""
    configured = settings.LINEAGE_CONFIG["compliance"].get("risk_tags") or {}
    return {**DEFAULT_RISK_TAGS, **{k: tuple(v) for k, v in configured.items()}}


def risk_levels() -> dict[str, str]:
    """Risk key → HIGH/MEDIUM/LOW (``compliance.risk_thresholds``, formerly ``risk_levels``)."""
    compliance = settings.LINEAGE_CONFIG["compliance"]
    configured = compliance.get("risk_thresholds") or compliance.get("risk_levels") or {}
    return {**DEFAULT_RISK_LEVELS, **{k: str(v).upper() for k, v in configured.items()}}


def risk_of(tags: Iterable[str]) -> tuple[str, str]:
    """(risk key, risk level) of a source with these tags: the gravest key any tag has."""
    tags = set(tags)
    levels = risk_levels()
    keys = [key for key, members in risk_tags().items() if tags & set(members)] or [PUBLIC_DATA]
    key = min(keys, key=lambda k: RISK_ORDER.index(levels.get(k, "LOW")))
    return key, levels.get(key, "LOW")


@dataclass(frozen=True)
class Protection:
    """How an asset is protected: its effective classification, tags and masking."""

    key: str
    dataset_key: str
    column: str  # "" for a dataset
    classification: str | None
    tags: frozenset[str]
    steward: str | None = None
    masking_policy: str | None = None  # set by its steward
    warehouse_policy: str | None = None  # attached in the warehouse

    @property
    def rank(self) -> int:
        return classification_rank(self.classification)

    @property
    def masked_by(self) -> str | None:
        """The policy that masks reads of this asset, if any."""
        return self.masking_policy or self.warehouse_policy


@dataclass(frozen=True)
class Source:
    """A regulated column (or a dataset without column lineage) whose value is followed."""

    protection: Protection
    risk_key: str
    risk_level: str

    @property
    def key(self) -> str:
        return self.protection.key

    @property
    def pii(self) -> bool:
        return self.risk_key == PII_EXPOSURE


@dataclass
class Governance:
    """Every asset's own governance, read once per scan: key → (classification, tags, …)."""

    own: dict[str, Protection] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Governance:
        rows = AssetGovernance.objects.select_related(
            "dataset", "column__dataset", "steward", "masking_policy"
        ).prefetch_related("tags")
        policies = _warehouse_policies()
        own = {}
        for asset in rows:
            key = asset.key
            own[key] = Protection(
                key=key,
                dataset_key=asset.dataset_key,
                column=asset.column.name if asset.is_column else "",
                classification=asset.classification,
                tags=frozenset(t.slug for t in asset.tags.all()),
                steward=asset.steward.name if asset.steward_id and asset.steward.active else None,
                masking_policy=asset.masking_policy.name if asset.masking_policy_id else None,
                warehouse_policy=policies.get(key),
            )
        return cls(own)

    def of(self, key: str) -> Protection:
        """The effective protection of a dataset or column key (inherits from its dataset)."""
        if not is_column_key(key):
            return self.own.get(key) or Protection(key, key, "", None, frozenset())
        parsed = ColumnKey.parse(key)
        table = self.own.get(parsed.dataset_key)
        mine = self.own.get(key)
        return Protection(
            key=key,
            dataset_key=parsed.dataset_key,
            column=parsed.column,
            classification=(mine and mine.classification) or (table and table.classification),
            tags=(mine.tags if mine else frozenset()) | (table.tags if table else frozenset()),
            steward=(mine and mine.steward) or (table and table.steward),
            masking_policy=mine and mine.masking_policy,
            warehouse_policy=mine and mine.warehouse_policy,
        )

    def sources(self, masked_copies: Callable[[list[str]], set[str]] | None = None) -> list[Source]:
        """Every sensitive source (see the module docstring).

        ``masked_copies`` names, among columns that would inherit their table's
        sensitivity, those whose every value arrives masked (a hash of an e-mail in a
        PII table is no e-mail): they are not sources unless classified on their own.
        """
        found: dict[str, Source] = {}
        governed_columns: dict[str, list[Protection]] = defaultdict(list)
        for protection in self.own.values():
            if protection.column:
                governed_columns[protection.dataset_key].append(protection)
        for protection in self.own.values():
            if protection.column and _sensitive(protection):
                # A column classified on its own keeps its table's tags for its risk.
                tags = protection.tags or self.of(protection.key).tags
                found[protection.key] = _source(protection, tags)
        table_wide = [
            p
            for p in self.own.values()
            if not p.column
            and _sensitive(p)
            and not any(_sensitive(c) for c in governed_columns[p.key])
        ]
        inherited = {key: table for table in table_wide for key in _catalog_columns(table.key)}
        masked = masked_copies(sorted(inherited)) if masked_copies and inherited else set()
        for key, table in inherited.items():
            if key not in masked:
                found.setdefault(key, _source(self.of(key), table.tags))
        return sorted(found.values(), key=lambda s: s.key)

    def table_sources(self, sources: list[Source]) -> list[Source]:
        """Datasets whose values are followed over table-level edges (no column lineage).

        A dataset holding a sensitive column, or sensitive itself: as strict as its
        strictest column, with every tag its sensitive columns carry.
        """
        by_table: dict[str, list[Source]] = defaultdict(list)
        for source in sources:
            by_table[source.protection.dataset_key].append(source)
        for protection in self.own.values():
            if not protection.column and _sensitive(protection):
                by_table.setdefault(protection.key, [])
        found = []
        for key, columns in sorted(by_table.items()):
            table = self.of(key)
            levels = [table.classification, *(s.protection.classification for s in columns)]
            level = max(levels, key=classification_rank)
            tags = table.tags.union(*(s.protection.tags for s in columns))
            found.append(_source(replace(table, classification=level), tags))
        return found


def _sensitive(protection: Protection) -> bool:
    return protection.rank >= SENSITIVE_RANK or bool(protection.tags)


def _source(protection: Protection, tags: frozenset[str]) -> Source:
    key, level = risk_of(tags)
    return Source(replace(protection, tags=frozenset(tags)), key, level)


def _catalog_columns(dataset_key: str) -> list[str]:
    return list(Column.objects.filter(dataset__key=dataset_key).values_list("key", flat=True))


def _warehouse_policies() -> dict[str, str]:
    """Asset key → masking policy the warehouse attaches (pending or accepted suggestions)."""
    rows = TagSuggestion.objects.filter(
        Q(source__startswith=WAREHOUSE_POLICIES),
        masking_policy__isnull=False,
        state__in=(TagSuggestion.State.PENDING, TagSuggestion.State.ACCEPTED),
    ).select_related("asset__dataset", "asset__column", "masking_policy")
    return {row.asset.key: row.masking_policy.name for row in rows}


# --- where a value lands ------------------------------------------------------------------


def exposure_reason(source: Source, target: Protection) -> str | None:
    """Why the source's value is exposed at ``target``, or None where it stays protected."""
    if target.masked_by:
        return None
    missing = sorted(source.protection.tags - target.tags)
    lower = target.rank < source.protection.rank
    if not lower and not missing:
        return None
    parts = []
    if lower:
        parts.append(
            f"classified {target.classification or 'unclassified'}, "
            f"below {source.protection.classification}"
        )
    if missing:
        parts.append(f"without {', '.join(missing)}")
    return "; ".join(parts)


# --- what carries a value ---------------------------------------------------------------


class Carry(Enum):
    """What one edge does to a source's value."""

    NONE = "none"  # filters, joins, hashes, redacts, counts: the value does not arrive
    NON_PII = "non_pii"  # SUM, AVG…: PII does not arrive, financial data does
    UNMASKED = "unmasked"  # the value arrives as it was, or transformed but readable
    UNKNOWN = "unknown"  # it may arrive: nobody could tell what the edge does


MASKING_LABELS = frozenset({"hashed", "redacted"})


def edge_carry(edge: Edge) -> Carry:
    """What ``edge`` does to the values it moves (see the module docstring)."""
    if edge.flow_type == INDIRECT or edge.masked is True or edge.masking in MASKING_LABELS:
        return Carry.NONE
    if edge.level == "dataset" or edge.masking == "unknown":
        return Carry.UNKNOWN
    if edge.masking == "aggregated":
        return Carry.NON_PII
    return Carry.UNMASKED


def masked_on_arrival(edges: Iterable[Edge]) -> set[str]:
    """The downstream columns whose every value-carrying incoming edge masks the value."""
    arriving: dict[str, list[Carry]] = defaultdict(list)
    for edge in edges:
        if edge.level == "column" and edge.flow_type != INDIRECT:
            arriving[edge.downstream].append(edge_carry(edge))
    return {key for key, kinds in arriving.items() if all(k is Carry.NONE for k in kinds)}


def carries(edge: Edge, source: Source) -> Carry:
    """``edge_carry`` for one source: an aggregate masks a PII source's value."""
    carry = edge_carry(edge)
    if carry is Carry.NON_PII:
        return Carry.NONE if source.pii else Carry.UNMASKED
    return carry
