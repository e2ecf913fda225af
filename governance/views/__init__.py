"""Governance pages: thin views that validate a form, call one service or selector, render.

Split by page: ``datasets`` (the dataset panel and its edits), ``reviews`` (my reviews),
``catalog`` (search and bulk classification), ``transfer`` (CSV export and import),
``oversight`` (audit trail, steward gaps); ``common`` holds what they share.
"""

from .catalog import catalog, catalog_bulk
from .datasets import (
    column_edit,
    dataset_edit,
    dataset_governance,
    dataset_panel,
    suggestion_accept,
    suggestion_reject,
)
from .oversight import audit_trail, audit_verify, steward_gaps
from .reviews import review_attest, review_queue
from .transfer import (
    csv_apply,
    csv_export,
    csv_import_detail,
    csv_import_progress,
    csv_page,
    csv_preview,
)

__all__ = [
    "audit_trail",
    "audit_verify",
    "catalog",
    "catalog_bulk",
    "column_edit",
    "csv_apply",
    "csv_export",
    "csv_import_detail",
    "csv_import_progress",
    "csv_page",
    "csv_preview",
    "dataset_edit",
    "dataset_governance",
    "dataset_panel",
    "review_attest",
    "review_queue",
    "steward_gaps",
    "suggestion_accept",
    "suggestion_reject",
]
