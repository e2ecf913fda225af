"""Applying a CSV of classifications in chunks: the same rules as ``asset_update``, in bulk.

Row by row through ``asset_update`` an import ran at about a hundred rows a second (a
dozen queries and a transaction per row). Here each chunk of rows is resolved with a
handful of queries — datasets, columns, governance rows (locked), registries cached for
the whole import — judged in memory with the same cleaners, permission rules and
messages, and written as plain values — new rows and tags streamed with ``COPY``
(``lineage_portal.bulk_insert``), changed rows as one batch of updates — with one batch
of audit events under one lock of the chain head. Rows that touch the same asset twice
see each other, as they would one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from graph.models import Column, Dataset
from lineage_portal.access import STEWARD, has_role, signed_in
from lineage_portal.bulk_insert import rows_create, rows_insert, rows_update
from lineage_portal.csv_safety import cell_restore

from .audit import AuditEntry, audit_events_append
from .csv_cleaning import Registries
from .models import (
    AssetGovernance,
    MaskingPolicy,
    RegulatoryTag,
    Steward,
)
from .permissions import can_administer, edit_refusal, ensure_can_move_review_date
from .services.assets import _desired, asset_snapshot
from .validation import due_date_clean

FIELD_COLUMNS = ("classification", "tags", "steward", "masking_policy", "next_review_due")
STATE_FIELDS = (
    "id",
    "dataset_id",
    "column_id",
    "classification",
    "steward_id",
    "masking_policy_id",
    "next_review_due",
    "version",
)
# Rows judged, written and committed together. Each chunk pays its lookups, a lock of the
# audit chain's head and a commit (with its deferred foreign-key checks): 4,000 rows a
# chunk applied 20,000 changes about 10 % faster than 1,000, and still reports progress
# and holds the head's lock for well under a second.
CHUNK_ROWS = 4000
# What ``ChunkedImport._load`` hands the row judge: datasets, columns and states by key.
Loaded = dict[str, Any]
# What a changed row writes (besides the dataset or column a new row governs).
WRITTEN_COLUMNS = (
    "classification",
    "steward_id",
    "masking_policy_id",
    "next_review_due",
    "version",
    "updated_by_id",
    "updated_at",
)


@dataclass
class _State:
    """An asset as the rows so far left it, as plain values (written as plain values too).

    ``pk`` is None for an asset never governed: its row is created only if a row changes it.
    """

    pk: int | None
    key: str
    dataset_id: int | None
    column_id: int | None
    table_id: int  # the dataset the asset is, or belongs to
    classification: str | None = None
    steward: Steward | None = None
    masking_policy: MaskingPolicy | None = None
    next_review_due: date | None = None
    version: int = 0
    tags: list[RegulatoryTag] = field(default_factory=list)
    changed: bool = False
    tags_changed: bool = False

    def values(self) -> dict[str, Any]:
        return {
            "classification": self.classification,
            "tags": self.tags,
            "steward": self.steward,
            "masking_policy": self.masking_policy,
            "next_review_due": self.next_review_due,
        }

    @property
    def ident(self) -> tuple[str, int]:
        """What the chunk's states are keyed by: ("dataset", id) or ("column", id)."""
        if self.column_id is not None:
            return ("column", self.column_id)
        assert self.dataset_id is not None  # a dataset's own governance
        return ("dataset", self.dataset_id)

    def written(self, actor: Any, now: datetime) -> tuple[Any, ...]:
        """The ``WRITTEN_COLUMNS`` values of this state, stamped by ``actor`` at ``now``."""
        return (
            self.classification,
            self.steward.pk if self.steward else None,
            self.masking_policy.pk if self.masking_policy else None,
            self.next_review_due,
            self.version,
            actor.pk,
            now,
        )

    def as_asset(self) -> AssetGovernance:
        """A model object with these values (for messages, which name its key, and writes)."""
        asset = AssetGovernance(
            id=self.pk,
            classification=self.classification,
            steward=self.steward,
            masking_policy=self.masking_policy,
            next_review_due=self.next_review_due,
            version=self.version,
        )
        if self.column_id:
            asset.column = Column(id=self.column_id, key=self.key, dataset_id=self.table_id)
        else:
            asset.dataset = Dataset(id=self.dataset_id, key=self.key)
        return asset


@dataclass
class ChunkOutcome:
    """Line numbers of one chunk: applied (or would be), unchanged, refused with why."""

    applied: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


class ChunkedImport:
    """One import: ``chunk(rows)`` judges (and, unless ``dry_run``, applies) a chunk of rows."""

    def __init__(self, *, actor: Any, reason: str, dry_run: bool) -> None:
        self.actor, self.reason, self.dry_run = actor, reason, dry_run
        self.registries = Registries()
        self.is_admin = can_administer(actor)
        self.is_steward = signed_in(actor) and has_role(actor, STEWARD)
        self.my_stewards = (
            set(Steward.objects.filter(active=True, members=actor).values_list("pk", flat=True))
            if self.is_steward
            else set()
        )
        # A check writes nothing, so a later chunk would read an asset from the database as
        # if earlier rows had not changed it: the check keeps what its rows did, here.
        self.checked: dict[tuple[str, int], _State] = {}

    # --- resolving a chunk ---------------------------------------------------------------

    def _load(self, rows: list[tuple[int, dict[str, str]]]) -> Loaded:
        """The chunk's datasets, columns and governance rows (locked when applying).

        Plain values, not model objects: building those was most of an import's time, and
        the registries already hold the stewards, policies and tags the rows point at.
        """
        keys = {cell_restore(row.get("dataset_key", "").strip()).lower() for _, row in rows}
        datasets = dict(Dataset.objects.filter(key__in=keys - {""}).values_list("key", "id"))
        key_of = {pk: key for key, pk in datasets.items()}
        wanted = {cell_restore(row.get("column", "").strip()).lower() for _, row in rows} - {""}
        columns: dict[tuple[int, str], tuple[int, str]] = {}
        if wanted:
            found = (
                Column.objects.annotate(lname=Lower("name"))
                .filter(dataset_id__in=list(key_of), lname__in=wanted)
                .order_by("id")
                .values_list("id", "dataset_id", "lname", "key")
            )
            for pk, dataset_id, lname, key in found:
                columns.setdefault((dataset_id, lname), (pk, key))
        column_of = {pk: (dataset_id, key) for (dataset_id, _), (pk, key) in columns.items()}
        governed = AssetGovernance.objects.filter(
            Q(dataset_id__in=list(key_of)) | Q(column_id__in=list(column_of))
        )
        if not self.dry_run:
            governed = governed.select_for_update()
        states = self._states(list(governed.values(*STATE_FIELDS)), key_of, column_of)
        if self.checked:
            idents = [("dataset", pk) for pk in key_of] + [("column", pk) for pk in column_of]
            states |= {ident: self.checked[ident] for ident in idents if ident in self.checked}
        return {"datasets": datasets, "columns": columns, "states": states}

    def _states(
        self,
        rows: list[dict[str, Any]],
        key_of: dict[int, str],
        column_of: dict[int, tuple[int, str]],
    ) -> dict[tuple[str, int], _State]:
        tags: dict[int, list[RegulatoryTag]] = {row["id"]: [] for row in rows}
        through = AssetGovernance.tags.through.objects.filter(assetgovernance_id__in=list(tags))
        for asset_id, tag_id in through.values_list("assetgovernance_id", "regulatorytag_id"):
            tags[asset_id].append(self.registries.tag_by_pk[tag_id])
        states: dict[tuple[str, int], _State] = {}
        for row in rows:
            if row["column_id"]:
                if row["column_id"] not in column_of:
                    continue  # a column of these tables that no row of the chunk names
                table_id, key = column_of[row["column_id"]]
                ident = ("column", row["column_id"])
            else:
                table_id, key = row["dataset_id"], key_of[row["dataset_id"]]
                ident = ("dataset", row["dataset_id"])
            states[ident] = _State(
                pk=row["id"],
                key=key,
                dataset_id=row["dataset_id"],
                column_id=row["column_id"],
                table_id=table_id,
                classification=row["classification"],
                steward=self.registries.steward_by_pk.get(row["steward_id"]),
                masking_policy=self.registries.policy_by_pk.get(row["masking_policy_id"]),
                next_review_due=row["next_review_due"],
                version=row["version"],
                tags=sorted(tags[row["id"]], key=lambda tag: tag.slug),
            )
        return states

    def _state(self, loaded: Loaded, row: dict[str, str]) -> _State:
        key = cell_restore(row.get("dataset_key", "").strip()).lower()
        if not key:
            raise ValidationError("dataset_key is empty.")
        dataset_id = loaded["datasets"].get(key)
        if dataset_id is None:
            raise ValidationError(f"Unknown catalog dataset {key!r}.")
        name = cell_restore(row.get("column", "").strip())
        if not name:
            ident = ("dataset", dataset_id)
            fresh = _State(None, key, dataset_id, None, dataset_id)
        else:
            found = loaded["columns"].get((dataset_id, name.lower()))
            if found is None:
                raise ValidationError(f"Dataset {key!r} has no column {name!r}.")
            ident = ("column", found[0])
            fresh = _State(None, found[1], None, found[0], dataset_id)
        states: dict[tuple[str, int], _State] = loaded["states"]
        return states.setdefault(ident, fresh)

    # --- judging one row -----------------------------------------------------------------

    def _may_edit(self, loaded: Loaded, state: _State) -> bool:
        """``permissions.can_edit_asset`` on the in-memory state (a column answers to its table)."""
        if self.is_admin:
            return True
        if not self.is_steward:
            return False
        steward = state.steward
        if steward is None and state.column_id is not None:
            table = loaded["states"].get(("dataset", state.table_id))
            steward = table.steward if table else None
        return steward is not None and steward.active and steward.pk in self.my_stewards

    def _row(
        self, loaded: Loaded, line: int, row: dict[str, str], entries: list[AuditEntry]
    ) -> bool:
        """Judge (and stage) one row; True if it changes its asset."""
        state = self._state(loaded, row)
        changes = {name: cell_restore(row[name].strip()) for name in FIELD_COLUMNS if name in row}
        if (
            not self.reason.strip()
            and self.is_admin
            and "next_review_due" in changes
            and due_date_clean(changes["next_review_due"]) != state.next_review_due
        ):
            raise ValidationError(
                "Moving a review date needs a reason: give one with the import (it is audited)."
            )
        cleaned = self.registries.clean(changes)
        if not self._may_edit(loaded, state):
            raise PermissionDenied(edit_refusal(self.actor, state.as_asset()))
        current = state.values()
        desired = _desired(current, cleaned, None)
        before, after = asset_snapshot(current), asset_snapshot(desired)
        changed = [name for name in after if after[name] != before[name]]
        if not changed:
            return False
        reason = self.reason or f"CSV import, line {line}"
        moves_due = "next_review_due" in changed and "next_review_due" in cleaned
        if moves_due and not (self.is_admin and reason.strip()):
            ensure_can_move_review_date(
                self.actor, state.as_asset(), action="asset.update", reason=reason
            )
        self._stage(state, desired, changed, before, after, reason, entries)
        return True

    def _stage(
        self,
        state: _State,
        desired: dict[str, Any],
        changed: list[str],
        before: dict[str, Any],
        after: dict[str, Any],
        reason: str,
        entries: list[AuditEntry],
    ) -> None:
        old = state.version
        state.classification = desired["classification"]
        state.steward = desired["steward"]
        state.masking_policy = desired["masking_policy"]
        state.next_review_due = desired["next_review_due"]
        state.version += 1
        if "tags" in changed:
            state.tags, state.tags_changed = desired["tags"], True
        state.changed = True
        entries.append(
            AuditEntry(
                action="asset.update",
                object_type="column" if state.column_id else "dataset",
                object_key=state.key,
                before={name: before[name] for name in changed} | {"version": old},
                after={name: after[name] for name in changed} | {"version": state.version},
                reason=reason,
            )
        )

    # --- a chunk ---------------------------------------------------------------------------

    def chunk(self, rows: list[tuple[int, dict[str, str]]]) -> ChunkOutcome:
        """Judge every row of the chunk; apply the good ones in one transaction."""
        with transaction.atomic():
            outcome, entries = ChunkOutcome(), list[AuditEntry]()
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
            else:
                self.checked |= {k: s for k, s in loaded["states"].items() if s.changed}
            return outcome

    def _write(self, states: Iterable[_State], entries: list[AuditEntry]) -> None:
        changed = [state for state in states if state.changed]
        now = timezone.now()
        fresh = [state for state in changed if state.pk is None]
        # Only a row that was there before can have tags to clear.
        cleared = [state.pk for state in changed if state.tags_changed and state.pk is not None]
        rows_update(
            AssetGovernance,
            WRITTEN_COLUMNS,
            [(*state.written(self.actor, now), state.pk) for state in changed if state.pk],
        )
        ids = rows_create(
            AssetGovernance,
            ("dataset_id", "column_id", *WRITTEN_COLUMNS),
            [(s.dataset_id, s.column_id, *s.written(self.actor, now)) for s in fresh],
        )
        for state, pk in zip(fresh, ids, strict=True):
            state.pk = pk  # the tags below need it
        through = AssetGovernance.tags.through
        if cleared:
            through.objects.filter(assetgovernance_id__in=cleared).delete()
        rows_insert(
            through,
            ("assetgovernance_id", "regulatorytag_id"),
            [(state.pk, tag.pk) for state in changed if state.tags_changed for tag in state.tags],
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
