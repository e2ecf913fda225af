"""Governance records: what data is and who answers for it.

Governance attaches to the catalog rows of ``graph.models`` (``Dataset``, ``Column``)
through foreign keys and never duplicates their identity. Every change to these rows goes
through ``governance.services`` and leaves an ``AuditEvent``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# How far ahead a review counts as "due soon" on the pages and in review_state.
DUE_SOON_DAYS = 14


class Classification(models.TextChoices):
    """Classification levels, weakest first; no level at all means "unclassified"."""

    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


UNCLASSIFIED = "unclassified"
_RANK = {level: rank for rank, level in enumerate(Classification.values, start=1)}


def classification_rank(level: str | None) -> int:
    """0 for unclassified, then public 1 < internal 2 < confidential 3 < restricted 4."""
    if not level or level == UNCLASSIFIED:
        return 0
    try:
        return _RANK[level]
    except KeyError:
        raise ValueError(f"Unknown classification level {level!r}") from None


class RegulatoryTag(models.Model):
    """A regulation or data category an asset falls under (gdpr, pii, sox…)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    description = models.TextField(blank=True)
    # Seeded by the data migration; built-in tags cannot be renamed away.
    builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Steward(models.Model):
    """A person or team accountable for assets; its members may edit what it stewards."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        TEAM = "team", "Team"

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PERSON)
    email = models.EmailField(blank=True)
    # Inactive stewards keep their history but no longer count as accountable.
    active = models.BooleanField(default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="stewardships"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MaskingPolicy(models.Model):
    """A warehouse masking policy that protects an asset's values."""

    class Kind(models.TextChoices):
        HASH = "hash", "Hash"
        REDACT = "redact", "Redact"
        TOKENIZE = "tokenize", "Tokenize"
        NONE = "none", "None"

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The policy's fully qualified name in the warehouse, e.g. PROD_DB.POLICIES.EMAIL_MASK.
    warehouse_policy = models.CharField(max_length=512, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "masking policies"

    def __str__(self) -> str:
        return self.name


class AssetGovernance(models.Model):
    """The governance of one catalog asset: a dataset or a column, never both."""

    dataset = models.OneToOneField(
        "graph.Dataset", null=True, blank=True, on_delete=models.CASCADE, related_name="governance"
    )
    column = models.OneToOneField(
        "graph.Column", null=True, blank=True, on_delete=models.CASCADE, related_name="governance"
    )
    # NULL, not "", is "unclassified": no level was ever assigned (or it was cleared).
    classification = models.CharField(  # noqa: DJ001
        max_length=16, choices=Classification.choices, null=True, blank=True
    )
    tags = models.ManyToManyField(RegulatoryTag, blank=True, related_name="assets")
    # PROTECT: stewards and policies are deactivated or left unused, not deleted.
    steward = models.ForeignKey(
        Steward, null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    masking_policy = models.ForeignKey(
        MaskingPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    next_review_due = models.DateField(null=True, blank=True)
    # Bumped by every change; a form posts the version it showed to detect stale edits.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "asset governance"
        verbose_name_plural = "asset governance"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(dataset__isnull=False, column__isnull=True)
                    | models.Q(dataset__isnull=True, column__isnull=False)
                ),
                name="asset_governance_dataset_xor_column",
            )
        ]
        indexes = [
            models.Index(fields=["classification"]),
            models.Index(fields=["next_review_due"]),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_column(self) -> bool:
        return self.column_id is not None

    @property
    def key(self) -> str:
        """The catalog key: ``platform://db.schema.table`` or ``…#column``."""
        return self.column.key if self.is_column else self.dataset.key

    @property
    def dataset_key(self) -> str:
        return self.column.dataset.key if self.is_column else self.dataset.key

    @property
    def review_state(self) -> str:
        """overdue | due_soon | scheduled | unscheduled, as of today."""
        return review_state_of(self.next_review_due)


def review_state_of(due: date | None, *, today: date | None = None) -> str:
    """Where a review due date stands today: overdue, due_soon, scheduled or unscheduled."""
    if due is None:
        return "unscheduled"
    today = today or timezone.localdate()
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "scheduled"


class Review(models.Model):
    """A steward's attestation that an asset's governance is (or now is) correct."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed unchanged"
        CHANGED = "changed", "Changed"

    asset = models.ForeignKey(AssetGovernance, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="governance_reviews"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    comment = models.TextField(blank=True)
    # What was due when attested and what the attestation scheduled next.
    was_due = models.DateField(null=True, blank=True)
    next_due = models.DateField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.asset} {self.outcome} by {self.reviewer}"


class AppendOnlyError(Exception):
    """An attempt to change or remove a recorded audit event."""


class AuditEventQuerySet(models.QuerySet):
    """Bulk updates and deletes would bypass ``AuditEvent.save``/``delete``: refuse them."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only: they cannot be deleted.")


class AuditEvent(models.Model):
    """One governance change, chained to the previous one by a keyed hash (HMAC-SHA256).

    Append-only: written by ``governance.audit.audit_event_append`` only. Database
    triggers also refuse UPDATE, DELETE and TRUNCATE, and an insert that does not
    continue the chain head.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    # The username above is the record; this link is a convenience and must not dangle.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="governance_audit_events",
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32)
    object_key = models.CharField(max_length=700)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_key", "seq"]),
            models.Index(fields=["object_type", "seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_key} by {self.actor}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"Audit event #{self.seq} is append-only: it cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"Audit event #{self.seq} is append-only: it cannot be deleted.")


class AuditChainHead(models.Model):
    """The single row that serializes appends: the last event's seq and hash.

    Appenders lock it (SELECT … FOR UPDATE), so two writers never take the same seq or
    fork the chain; verification compares it with the last event to detect a cut tail.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            # One head only: a second row would let appends fork the chain.
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row")
        ]

    def __str__(self) -> str:
        return f"audit chain head #{self.seq}"


class AuditVerification(models.Model):
    """The stored result of one run of the chain verification, shown on the audit page.

    Signed with the audit key: a row written by anyone but the portal shows as untrusted.
    """

    class Scope(models.TextChoices):
        FULL = "full", "Full"
        INCREMENTAL = "incremental", "Since the last checkpoint"

    ran_at = models.DateTimeField()
    scope = models.CharField(max_length=16, choices=Scope.choices)
    intact = models.BooleanField()
    kind = models.CharField(max_length=16)
    problem = models.TextField(blank=True)
    bad_seq = models.PositiveBigIntegerField(null=True, blank=True)
    events_checked = models.PositiveBigIntegerField(default=0)
    head_seq = models.PositiveBigIntegerField(default=0)
    # The checkpoint compared against, and the one written after an intact run (0: none).
    checkpoint_seq = models.PositiveBigIntegerField(default=0)
    checkpoint_written = models.PositiveBigIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-ran_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scope} verification at {self.ran_at:%Y-%m-%d %H:%M}: {self.kind}"


class TagSuggestion(models.Model):
    """A tag, masking policy or classification proposed for an asset, awaiting a decision.

    Found on the asset in the warehouse (TAG_REFERENCES, POLICY_REFERENCES), or followed
    along lineage from a classified column whose value reaches the asset unmasked.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    asset = models.ForeignKey(AssetGovernance, on_delete=models.CASCADE, related_name="suggestions")
    tag = models.ForeignKey(RegulatoryTag, null=True, blank=True, on_delete=models.CASCADE)
    masking_policy = models.ForeignKey(
        MaskingPolicy, null=True, blank=True, on_delete=models.CASCADE
    )
    # NULL unless a classification level is what is suggested (see the constraint).
    classification = models.CharField(  # noqa: DJ001
        max_length=16, choices=Classification.choices, null=True, blank=True
    )
    # Where it was found: "snowflake:TAG_REFERENCES", "snowflake:POLICY_REFERENCES", or
    # "lineage:<source column key>" for what follows lineage.
    source = models.CharField(max_length=128)
    detail = models.CharField(max_length=512, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["state", "-created"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(tag__isnull=False, masking_policy__isnull=True, classification=None)
                    | models.Q(tag__isnull=True, masking_policy__isnull=False, classification=None)
                    | models.Q(
                        tag__isnull=True,
                        masking_policy__isnull=True,
                        classification__isnull=False,
                    )
                ),
                name="tag_suggestion_one_thing",
            ),
            # A sync re-finding a decided suggestion must not reopen it.
            models.UniqueConstraint(
                fields=["asset", "tag", "source"],
                condition=models.Q(tag__isnull=False),
                name="tag_suggestion_unique_tag",
            ),
            models.UniqueConstraint(
                fields=["asset", "masking_policy", "source"],
                condition=models.Q(masking_policy__isnull=False),
                name="tag_suggestion_unique_policy",
            ),
            models.UniqueConstraint(
                fields=["asset", "classification", "source"],
                condition=models.Q(classification__isnull=False),
                name="tag_suggestion_unique_classification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset}: {self.tag or self.masking_policy} ({self.state})"

    @property
    def suggested(self) -> str:
        """What is suggested, for display: ``tag:pii``, ``masking:EMAIL_HASH``, ``level:restricted``."""
        if self.tag_id:
            return f"tag:{self.tag.slug}"
        if self.masking_policy_id:
            return f"masking:{self.masking_policy.name}"
        return f"level:{self.classification}"


class CsvImport(models.Model):
    """An uploaded CSV of classifications: kept on disk, checked then applied by Celery tasks."""

    class State(models.TextChoices):
        PREVIEWING = "previewing", "Checking"
        PREVIEWED = "previewed", "Checked"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="csv_imports"
    )
    created = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    # The file's name under CSV_IMPORT_DIR (random, never the uploader's); "" once removed.
    stored_name = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PREVIEWING)
    rows_total = models.PositiveIntegerField(default=0)  # records in the file (an estimate)
    rows_done = models.PositiveIntegerField(default=0)
    applied_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first lines of each outcome, for the report (the counts are complete).
    applied_lines = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.PREVIEWED, self.State.APPLIED, self.State.FAILED)


# Exposure analysis keeps its models beside its code; importing them here registers them.
from .exposure.models import ExposureScan, Finding, Risk  # noqa: E402, F401
