"""Findings and the scans that raise them (models of the ``governance`` app).

Imported by ``governance.models`` so Django registers them with the app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Risk(models.TextChoices):
    """Risk levels, gravest first (``compliance.risk_thresholds`` maps risk keys onto them)."""

    HIGH = "HIGH", "High"
    MEDIUM = "MEDIUM", "Medium"
    LOW = "LOW", "Low"


class Finding(models.Model):
    """One reason for concern: a regulated value exposed somewhere, or a governance gap.

    Identified by ``identity`` (kind, source, target): a re-scan updates the same row,
    never a second one. Paths, readers and grants are the evidence as last detected.
    """

    class Kind(models.TextChoices):
        UNMASKED_PII_PATH = "unmasked_pii_path", "Unmasked PII path"
        UNMASKED_REGULATED_PATH = "unmasked_regulated_path", "Unmasked regulated path"
        STEWARD_MISSING = "steward_missing", "Steward missing"
        REVIEW_OVERDUE = "review_overdue", "Review overdue"
        FAILED_BACKFILL = "failed_backfill", "Failed backfill"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    identity = models.CharField(max_length=1500, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    risk_level = models.CharField(max_length=8, choices=Risk.choices)
    risk_key = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    # The regulated source (a column or dataset key) and where its value is exposed.
    source = models.CharField(max_length=700)
    source_dataset = models.CharField(max_length=512, db_index=True)
    source_column = models.CharField(max_length=255, blank=True)
    target = models.CharField(max_length=700)
    target_dataset = models.CharField(max_length=512, db_index=True)
    target_column = models.CharField(max_length=255, blank=True)
    classification = models.CharField(max_length=16, blank=True)  # the source's
    target_classification = models.CharField(max_length=16, blank=True)
    tags = models.JSONField(default=list)  # the source's regulatory tags
    # The same tags as ",pii,gdpr," so every database can filter on one (JSON cannot on SQLite).
    tag_list = models.CharField(max_length=512, blank=True, db_index=True)
    steward = models.CharField(max_length=150, blank=True)  # of the exposed asset
    # "unmasked" when a path is known to leave the value readable, else "unknown".
    masking = models.CharField(max_length=16, blank=True)
    reason = models.TextField(blank=True)
    hops = models.PositiveSmallIntegerField(default=0)  # of the shortest path
    paths = models.JSONField(default=list)  # shortest first, hop by hop
    more_paths = models.BooleanField(default=False)
    readers = models.JSONField(default=list)  # who read the exposed asset (90 days)
    grants = models.JSONField(default=list)  # who may read it, through roles
    details = models.JSONField(default=dict, blank=True)
    first_detected = models.DateTimeField()
    last_detected = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ack_reason = models.TextField(blank=True)
    ack_expires = models.DateField(null=True, blank=True)

    class Meta:
        app_label = "governance"
        ordering = ["state", "risk_level", "-last_detected", "id"]
        indexes = [
            models.Index(fields=["state", "risk_level"]),
            models.Index(fields=["kind", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source} → {self.target} ({self.state})"


class ExposureScan(models.Model):
    """One run of the exposure analysis: when, why, how far, and what it changed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    trigger = models.CharField(max_length=64)  # manual, ingestion, governance change, schedule
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    sources = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    # Open (and acknowledged) findings by risk after the scan: the dashboard's trend.
    open_by_risk = models.JSONField(default=dict)

    class Meta:
        app_label = "governance"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"exposure scan {self.pk} ({self.status})"
