"""What a CSV import's cells are cleaned against: the registries, read once per import.

``validation.changes_clean`` asks the database for every cell; an import of thousands of
rows asks once, here, and words every refusal exactly as the single-asset services do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from .models import UNCLASSIFIED, Classification, MaskingPolicy, RegulatoryTag, Steward
from .validation import due_date_clean, level_clean


class Registries:
    """Tags, stewards and policies by name, read once per import (the cleaners' lookups)."""

    def __init__(self) -> None:
        self.tags = {tag.slug: tag for tag in RegulatoryTag.objects.order_by("slug")}
        self.stewards = {s.name.lower(): s for s in Steward.objects.all()}
        self.policies = {p.name.lower(): p for p in MaskingPolicy.objects.all()}
        self.tag_by_pk = {tag.pk: tag for tag in self.tags.values()}
        self.steward_by_pk = {s.pk: s for s in self.stewards.values()}
        self.policy_by_pk = {p.pk: p for p in self.policies.values()}

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
            "classification": _level_clean,
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


_LEVELS = frozenset(Classification.values) | {"", UNCLASSIFIED}


def _level_clean(value: str) -> str | None:
    """``validation.level_clean`` without rebuilding the list of levels for every cell."""
    level = value.strip().lower()
    if level in _LEVELS:
        return level if level not in ("", UNCLASSIFIED) else None
    return level_clean(value)  # the refusal, worded as everywhere else
