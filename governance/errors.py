"""Errors the governance services raise besides ``ValidationError`` and ``PermissionDenied``."""

from __future__ import annotations

from datetime import UTC, datetime


class StaleAssetError(Exception):
    """The asset changed since the form that edits it was shown (optimistic locking).

    Carries who changed it and when, so the page can say so and offer a reload.
    """

    def __init__(
        self,
        *,
        key: str,
        expected_version: int,
        current_version: int,
        changed_by: str,
        changed_at: datetime | None,
    ) -> None:
        self.key = key
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = (
            f"{changed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
            if changed_at
            else "an unknown time"
        )
        super().__init__(
            f"{key} was changed by {changed_by} at {when} (version {current_version}; "
            f"your form showed version {expected_version}). Reload it and apply your change again."
        )
