"""Thin Celery tasks for alerts: dispatch, one delivery (retried with backoff), the digest."""

from __future__ import annotations

from celery import Task, shared_task

from . import services

# Tries in all for one message: the first, then retries after 2, 4, 8 and 16 seconds.
DELIVERY_RETRIES = 4


@shared_task(acks_late=True)  # type: ignore[untyped-decorator]
def alert_dispatch_task() -> int:
    """Pending immediate alerts into deliveries (grouped per kind, within the rate limit)."""
    return len(services.alert_dispatch())


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(services.DeliveryFailed,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=False,
    max_retries=DELIVERY_RETRIES,
)  # type: ignore[untyped-decorator]
def alert_delivery_send_task(self: Task, delivery_id: int) -> str:
    """Send one message; a failure is retried, and recorded as failed after the last try."""
    final = self.request.retries >= self.max_retries
    return services.delivery_send(delivery_id=delivery_id, final=final).status


@shared_task  # type: ignore[untyped-decorator]
def alert_digest_task() -> int:
    """For Celery beat, once a day: everything that waited for the digest."""
    return len(services.digest_send())
