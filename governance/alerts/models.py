"""Alerts and their deliveries: every message sent or failed is a row a compliance admin can see."""

from __future__ import annotations

from django.db import models


class Alert(models.Model):
    """One event worth telling someone about; its idempotency key makes it happen once.

    ``route`` says how it goes out: on its own (grouped with others raised at the same
    moment) or in the daily digest. ``status`` follows its deliveries.
    """

    class Route(models.TextChoices):
        IMMEDIATE = "immediate"
        DIGEST = "digest"

    class Status(models.TextChoices):
        PENDING = "pending"  # waiting to be dispatched (or for the digest)
        QUEUED = "queued"  # in a message being delivered
        SENT = "sent"
        FAILED = "failed"  # a delivery gave up after its retries
        UNSENT = "unsent"  # no channel configured: recorded only

    kind = models.CharField(max_length=48)
    idempotency_key = models.CharField(max_length=255, unique=True)
    risk = models.CharField(max_length=8)
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    link = models.CharField(max_length=1000, blank=True)
    details = models.JSONField(default=dict, blank=True)
    route = models.CharField(max_length=16, choices=Route.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=300, blank=True)  # why it was routed as it was
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["status", "route", "created"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class AlertDelivery(models.Model):
    """One message to one channel, carrying one alert, a group of them, or a digest."""

    class Channel(models.TextChoices):
        SLACK = "slack", "Slack"
        EMAIL = "email", "E-mail"

    class Kind(models.TextChoices):
        SINGLE = "single"
        GROUP = "group"
        DIGEST = "digest"

    class Status(models.TextChoices):
        PENDING = "pending"
        RETRYING = "retrying"
        SENT = "sent"
        FAILED = "failed"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    alerts = models.ManyToManyField(Alert, related_name="deliveries")
    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["channel", "created"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.status}: {self.subject}"
