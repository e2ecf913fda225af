"""Applying a CSV of classifications in chunks: the same rules as ``asset_update``, in bulk.

Row by row through ``asset_update`` an import ran at about a hundred rows a second (a
dozen queries and a transaction per row). Here each chunk of rows is resolved with a
handful of queries — datasets, columns, governance rows (locked), registries cached for
the whole import — judged in memory with the same cleaners, permission rules and
messages, and written with bulk statements and one batch of audit events. Rows that
touch the same asset twice see each other, as they would one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from graph.models import Column, Dataset
from lineage_portal.csv_safety import cell_restore

from .asset_services import _desired, asset_snapshot
from .audit import AuditEntry, audit_events_append
from .models import AssetGovernance, MaskingPolicy, RegulatoryTag, Steward
from .permissions import can_administer, edit_refusal, ensure_can_move_review_date
from .roles import STEWARD
from .validation import due_date_clean, level_clean

FIELD_COLUMNS = ("classification", "tags", "steward", "masking_policy", "next_review_due")
CHUNK_ROWS = 1000
WRITTEN_FIELDS = [
    "classification",
    "steward",
    "masking_policy",
    "next_review_due",
    "version",
    "updated_by",
    "updated_at",
]


@dataclass
class _State:
    """An asset as the rows so far left it (saved row or not yet), and what changed."""

    asset: AssetGovernance
    tags: list[RegulatoryTag]
    changed: bool = False
    tags_changed: bool = False

    def values(self) -> dict[str, Any]:
        a = self.asset
        return {
            "classification": a.classification,
            "tags": self.tags,
            "steward": a.steward,
            "masking_policy": a.masking_policy,
            "next_review_due": a.next_review_due,
        }


@dataclass
class ChunkOutcome:
    """Line numbers of one chunk: applied (or would be), unchanged, refused with why."""

    applied: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


class _Registries:
    """Tags, stewards and policies by name, read once per import (the cleaners' lookups)."""

    def __init__(self) -> None:
        self.tags = {tag.slug: tag for tag in RegulatoryTag.objects.order_by("slug")}
        self.stewards = {s.name.lower(): s for s in Steward.objects.all()}
        self.policies = {p.name.lower(): p for p in MaskingPolicy.objects.all()}

    def tags_clean(self, text: str) -> list[RegulatoryTag]:
        slugs = {slug.strip().lower() for slug in text.replace(",", ";").split(";")} - {""}
        unknown = sorted(slugs - set(self.tags))
        if unknown:
            raise ValidationError(
                f"Unknown regulatory tag{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(slug) for slug in unknown)} (known: {', '.join(self.tags)})."
            )
        return sorted((self.tags[slug] for slug in slugs), key=lambda tag: tag.slug)

    def steward_clean(self, text: str) -> Steward | None:
        if not text:
            return None
        found = self.stewards.get(text.strip().lower())
        if found is None:
            raise ValidationError(f"Unknown steward {text!r}.")
        if not found.active:
            raise ValidationError(f"Steward {found.name!r} is inactive: assign an active steward.")
        return found

    def policy_clean(self, text: str) -> MaskingPolicy | None:
        if not text:
            return None
        found = self.policies.get(text.strip().lower())
        if found is None:
            raise ValidationError(f"Unknown masking policy {text!r}.")
        return found

    def clean(self, changes: dict[str, str]) -> dict[str, Any]:
        """Like ``validation.changes_clean``, without a query per cell."""
        cleaners: dict[str, Callable[[str], Any]] = {
            "classification": level_clean,
            "tags": self.tags_clean,
            "steward": self.steward_clean,
            "masking_policy": self.policy_clean,
            "next_review_due": due_date_clean,
        }
        errors, cleaned = {}, {}
        for name, value in changes.items():
            try:
                cleaned[name] = cleaners[name](value)
            except ValidationError as exc:
                errors[name] = exc.error_list
        if errors:
            raise ValidationError(errors)
        return cleaned


class ChunkedImport:
    """One import: ``chunk(rows)`` judges (and, unless ``dry_run``, applies) a chunk of rows."""

    def __init__(self, *, actor: Any, reason: str, dry_run: bool) -> None:
        self.actor, self.reason, self.dry_run = actor, reason, dry_run
        self.registries = _Registries()
        self.is_admin = can_administer(actor)
        signed_in = bool(actor and actor.is_authenticated and actor.is_active)
        self.is_steward = signed_in and actor.groups.filter(name=STEWARD).exists()
        self.my_stewards = (
            set(Steward.objects.filter(active=True, members=actor).values_list("pk", flat=True))
            if self.is_steward
            else set()
        )

    # --- resolving a chunk ---------------------------------------------------------------

    def _load(self, rows: list[tuple[int, dict[str, str]]]) -> dict:
        keys = {cell_restore(row.get("dataset_key", "").strip()).lower() for _, row in rows}
        datasets = {d.key: d for d in Dataset.objects.filter(key__in=keys - {""})}
        wanted = {cell_restore(row.get("column", "").strip()).lower() for _, row in rows} - {""}
        columns: dict[tuple[int, str], Column] = {}
        if wanted:
            found = (
                Column.objects.annotate(lname=Lower("name"))
                .filter(dataset_id__in=[d.pk for d in datasets.values()], lname__in=wanted)
                .select_related("dataset")
                .order_by("id")
            )
            for column in found:
                columns.setdefault((column.dataset_id, column.lname), column)
        governed = AssetGovernance.objects.filter(
            dataset_id__in=[d.pk for d in datasets.values()]
        ) | AssetGovernance.objects.filter(column_id__in=[c.pk for c in columns.values()])
        if not self.dry_run:
            governed = governed.select_for_update(of=("self",))
        states: dict[tuple[str, int], _State] = {}
        for asset in governed.select_related(
            "dataset", "column__dataset", "steward", "masking_policy"
        ).prefetch_related("tags"):
            kind, pk = (
                ("column", asset.column_id) if asset.column_id else ("dataset", asset.dataset_id)
            )
            states[(kind, pk)] = _State(asset, sorted(asset.tags.all(), key=lambda t: t.slug))
        return {"datasets": datasets, "columns": columns, "states": states}

    def _state(self, loaded: dict, row: dict[str, str]) -> _State:
        key = cell_restore(row.get("dataset_key", "").strip()).lower()
        if not key:
            raise ValidationError("dataset_key is empty.")
        dataset = loaded["datasets"].get(key)
        if dataset is None:
            raise ValidationError(f"Unknown catalog dataset {key!r}.")
        name = cell_restore(row.get("column", "").strip())
        if not name:
            ident, asset = ("dataset", dataset.pk), AssetGovernance(dataset=dataset)
        else:
            column = loaded["columns"].get((dataset.pk, name.lower()))
            if column is None:
                raise ValidationError(f"Dataset {key!r} has no column {name!r}.")
            ident, asset = ("column", column.pk), AssetGovernance(column=column)
        if ident not in loaded["states"]:
            loaded["states"][ident] = _State(asset, [])
        return loaded["states"][ident]

    # --- judging one row -----------------------------------------------------------------

    def _may_edit(self, loaded: dict, asset: AssetGovernance) -> bool:
        """``permissions.can_edit_asset`` on the in-memory state (a column answers to its table)."""
        if self.is_admin:
            return True
        if not self.is_steward:
            return False
        steward = asset.steward
        if steward is None and asset.column_id is not None:
            table = loaded["states"].get(("dataset", asset.column.dataset_id))
            steward = table.asset.steward if table else None
        return steward is not None and steward.active and steward.pk in self.my_stewards

    def _row(self, loaded: dict, line: int, row: dict[str, str], entries: list) -> bool:
        """Judge (and stage) one row; True if it changes its asset."""
        state = self._state(loaded, row)
        changes = {name: cell_restore(row[name].strip()) for name in FIELD_COLUMNS if name in row}
        if (
            not self.reason.strip()
            and self.is_admin
            and "next_review_due" in changes
            and due_date_clean(changes["next_review_due"]) != state.asset.next_review_due
        ):
            raise ValidationError(
                "Moving a review date needs a reason: give one with the import (it is audited)."
            )
        cleaned = self.registries.clean(changes)
        if not self._may_edit(loaded, state.asset):
            raise PermissionDenied(edit_refusal(self.actor, state.asset))
        current = state.values()
        desired = _desired(current, cleaned, None)
        before, after = asset_snapshot(current), asset_snapshot(desired)
        changed = [name for name in after if after[name] != before[name]]
        if not changed:
            return False
        reason = self.reason or f"CSV import, line {line}"
        if "next_review_due" in changed and "next_review_due" in cleaned:
            ensure_can_move_review_date(
                self.actor, state.asset, action="asset.update", reason=reason
            )
        self._stage(state, desired, changed, before, after, reason, entries)
        return True

    def _stage(self, state, desired, changed, before, after, reason, entries) -> None:
        asset = state.asset
        old = asset.version
        asset.classification = desired["classification"]
        asset.steward = desired["steward"]
        asset.masking_policy = desired["masking_policy"]
        asset.next_review_due = desired["next_review_due"]
        asset.version += 1
        if "tags" in changed:
            state.tags, state.tags_changed = desired["tags"], True
        state.changed = True
        entries.append(
            AuditEntry(
                action="asset.update",
                object_type="column" if asset.is_column else "dataset",
                object_key=asset.key,
                before={name: before[name] for name in changed} | {"version": old},
                after={name: after[name] for name in changed} | {"version": asset.version},
                reason=reason,
            )
        )

    # --- a chunk ---------------------------------------------------------------------------

    def chunk(self, rows: list[tuple[int, dict[str, str]]]) -> ChunkOutcome:
        """Judge every row of the chunk; apply the good ones in one transaction."""
        with transaction.atomic():
            outcome, entries = ChunkOutcome(), []
            loaded = self._load(rows)
            for line, row in rows:
                try:
                    changed = self._row(loaded, line, row, entries)
                except (ValidationError, PermissionDenied) as exc:
                    outcome.errors.append((line, error_message(exc)))
                else:
                    (outcome.applied if changed else outcome.unchanged).append(line)
            if not self.dry_run:
                self._write(loaded["states"].values(), entries)
            return outcome

    def _write(self, states: Iterable[_State], entries: list[AuditEntry]) -> None:
        changed = [state for state in states if state.changed]
        now = timezone.now()
        for state in changed:
            state.asset.updated_by, state.asset.updated_at = self.actor, now
        existing = [state.asset for state in changed if state.asset.pk is not None]
        AssetGovernance.objects.bulk_create(
            [state.asset for state in changed if state.asset.pk is None]
        )
        AssetGovernance.objects.bulk_update(existing, WRITTEN_FIELDS, batch_size=500)
        tagged = [state for state in changed if state.tags_changed]
        through = AssetGovernance.tags.through
        through.objects.filter(assetgovernance_id__in=[s.asset.pk for s in tagged]).delete()
        through.objects.bulk_create(
            through(assetgovernance_id=s.asset.pk, regulatorytag_id=tag.pk)
            for s in tagged
            for tag in s.tags
        )
        audit_events_append(actor=self.actor, entries=entries)


def error_message(exc: Exception) -> str:
    """A refusal in words for the import report (field-named for validation errors)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
