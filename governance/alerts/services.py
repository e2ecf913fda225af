"""Raising alerts and turning them into deliveries: once each, grouped, never a storm.

* ``alert_raise`` records the event under its idempotency key (unique in the database, so
  a repeat — even a concurrent one — records and sends nothing) and routes it: on its
  own, or to the daily digest (``monitoring.digest_kinds``).
* ``alert_dispatch`` gathers the pending immediate alerts, one message per kind per
  channel (a group when several were raised together), within the hourly rate limit;
  alerts over the limit wait for the digest instead.
* ``delivery_send`` sends one message and records the outcome; the task retries it.
* ``digest_send`` sends what waited for the digest, once a day.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from lineage_portal.config import engine

from . import channels
from .events import AlertEvent
from .models import Alert, AlertDelivery

logger = logging.getLogger(__name__)


def alert_raise(*, event: AlertEvent) -> Alert | None:
    """Record ``event`` and schedule its delivery; None if its kind is off or it was raised before."""
    monitoring = engine().monitoring
    if event.kind not in monitoring.alert_on:
        return None
    digest = event.kind in monitoring.digest_kinds
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=event.kind,
                idempotency_key=event.idempotency_key[:255],
                risk=event.risk,
                title=event.title[:300],
                text=event.text,
                link=event.link,
                details=event.details,
                route=Alert.Route.DIGEST if digest else Alert.Route.IMMEDIATE,
                status=Alert.Status.PENDING if channels.configured() else Alert.Status.UNSENT,
                note="daily digest kind" if digest else "",
            )
    except IntegrityError:
        return None  # the same event again: it was recorded (and sent) the first time
    if alert.route == Alert.Route.IMMEDIATE and alert.status == Alert.Status.PENDING:
        from .tasks import alert_dispatch_task

        countdown = monitoring.group_seconds
        transaction.on_commit(
            lambda: alert_dispatch_task.apply_async(countdown=countdown), robust=True
        )
    return alert


def alert_dispatch(*, now: datetime | None = None) -> list[AlertDelivery]:
    """Turn pending immediate alerts into deliveries (queued once the transaction commits)."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(
            Alert.objects.select_for_update(skip_locked=True)
            .filter(route=Alert.Route.IMMEDIATE, status=Alert.Status.PENDING)
            .order_by("created", "pk")
        )
        if not pending:
            return []
        by_kind: dict[str, list[Alert]] = defaultdict(list)
        for alert in pending:
            by_kind[alert.kind].append(alert)
        deliveries = []
        budget = {channel: _room(channel, now) for channel in channels.enabled()}
        for alerts in by_kind.values():
            deliveries += _deliveries_for(alerts, budget)
        _enqueue(deliveries)
    return deliveries


def _room(channel: str, now: datetime) -> int | None:
    """Messages ``channel`` may still carry this hour (None: no limit)."""
    limit = engine().monitoring.rate_limit_per_hour
    if not limit:
        return None
    sent = AlertDelivery.objects.filter(
        channel=channel, created__gte=now - timedelta(hours=1)
    ).exclude(kind=AlertDelivery.Kind.DIGEST)
    return max(limit - sent.count(), 0)


def _deliveries_for(alerts: list[Alert], budget: dict[str, int | None]) -> list[AlertDelivery]:
    """One message per channel for ``alerts`` (one kind), or the digest when over the limit."""
    made = []
    for channel, room in budget.items():
        if room is not None and room <= 0:
            continue
        kind = AlertDelivery.Kind.SINGLE if len(alerts) == 1 else AlertDelivery.Kind.GROUP
        delivery = AlertDelivery.objects.create(
            channel=channel, kind=kind, subject=channels.subject_for(alerts, kind)
        )
        delivery.alerts.set(alerts)
        made.append(delivery)
        if room is not None:
            budget[channel] = room - 1
    ids = [alert.pk for alert in alerts]
    if made:
        Alert.objects.filter(pk__in=ids).update(status=Alert.Status.QUEUED)
    else:
        Alert.objects.filter(pk__in=ids).update(
            route=Alert.Route.DIGEST, note="rate limit reached: moved to the daily digest"
        )
    return made


def _enqueue(deliveries: list[AlertDelivery]) -> None:
    for delivery in deliveries:
        transaction.on_commit(partial(_send_later, delivery.pk), robust=True)


def _send_later(delivery_id: int) -> None:
    from celery import current_app

    from .tasks import alert_delivery_send_task

    conf = current_app.conf
    if not conf.task_always_eager:
        alert_delivery_send_task.delay(delivery_id)
        return
    # Without a broker the task runs here. Celery retries an eager task only while eager
    # errors do not propagate (its retries re-apply with that setting), so switch it off
    # for this delivery: the retries then run in-process, as a worker would run them.
    propagates = conf.task_eager_propagates
    conf.task_eager_propagates = False
    try:
        alert_delivery_send_task.apply((delivery_id,))
    finally:
        conf.task_eager_propagates = propagates


class DeliveryFailed(Exception):
    """A message did not get through this time; the task retries it."""


def delivery_send(*, delivery_id: int, final: bool) -> AlertDelivery:
    """Send one delivery and record the outcome; raises ``DeliveryFailed`` unless ``final``."""
    delivery = AlertDelivery.objects.get(pk=delivery_id)
    if delivery.status in (AlertDelivery.Status.SENT, AlertDelivery.Status.FAILED):
        return delivery  # a redelivered task message: already settled
    alerts = channels.by_risk(delivery.alerts.order_by("created", "pk"))
    delivery.attempts += 1
    try:
        channels.send(delivery, alerts)
    except channels.ChannelError as exc:
        delivery.last_error = str(exc)[:2000]
        delivery.status = AlertDelivery.Status.FAILED if final else AlertDelivery.Status.RETRYING
        delivery.finished_at = timezone.now() if final else None
        delivery.save(update_fields=["attempts", "last_error", "status", "finished_at"])
        logger.warning(
            "alert delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc
        )
        if final:
            _settle(alerts)
            return delivery
        raise DeliveryFailed(str(exc)) from exc
    delivery.status, delivery.finished_at = AlertDelivery.Status.SENT, timezone.now()
    delivery.save(update_fields=["attempts", "status", "finished_at"])
    _settle(alerts)
    return delivery


def _settle(alerts: list[Alert]) -> None:
    """An alert is sent when all its deliveries are, failed when one gave up."""
    for alert in alerts:
        states = set(alert.deliveries.values_list("status", flat=True))
        if AlertDelivery.Status.FAILED in states:
            alert.status = Alert.Status.FAILED
        elif states == {AlertDelivery.Status.SENT}:
            alert.status = Alert.Status.SENT
        else:
            continue
        alert.save(update_fields=["status"])


def digest_send(*, now: datetime | None = None) -> list[AlertDelivery]:
    """One digest message per channel with every alert that waited for it (none: nothing)."""
    with transaction.atomic():
        waiting = list(
            Alert.objects.select_for_update(skip_locked=True)
            .filter(route=Alert.Route.DIGEST, status=Alert.Status.PENDING)
            .order_by("kind", "created", "pk")
        )
        if not waiting:
            return []
        deliveries = []
        for channel in channels.enabled():
            delivery = AlertDelivery.objects.create(
                channel=channel,
                kind=AlertDelivery.Kind.DIGEST,
                subject=channels.subject_for(waiting, AlertDelivery.Kind.DIGEST),
            )
            delivery.alerts.set(waiting)
            deliveries.append(delivery)
        Alert.objects.filter(pk__in=[a.pk for a in waiting]).update(status=Alert.Status.QUEUED)
        _enqueue(deliveries)
    return deliveries
