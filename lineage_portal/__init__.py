"""Lineage Portal: where regulated data flows in the warehouse, with evidence for auditors."""

from .celery import app as celery_app

__all__ = ["celery_app"]
