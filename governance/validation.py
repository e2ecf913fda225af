"""Turning what a form, a CSV row or a caller gave into governance objects, or saying why not.

Every function raises ``ValidationError`` with a message naming the bad value, so a page
can show it next to the field and an import report next to the line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from .models import UNCLASSIFIED, Classification, MaskingPolicy, RegulatoryTag, Steward


def level_clean(level: str | None) -> str | None:
    """A classification level, or None for unclassified ("" and "unclassified" too)."""
    if level is None:
        return None
    value = str(level).strip().lower()
    if value in ("", UNCLASSIFIED):
        return None
    if value not in Classification.values:
        raise ValidationError(
            f"Unknown classification level {level!r}: use one of "
            f"{', '.join(Classification.values)} (or leave it empty for unclassified).",
            code="unknown_level",
        )
    return value


def tags_clean(tags: Iterable[str | RegulatoryTag] | str | None) -> list[RegulatoryTag]:
    """Regulatory tags by slug (case-insensitive) or instance; unknown slugs are named."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.replace(",", ";").split(";")
    instances = [tag for tag in tags if isinstance(tag, RegulatoryTag)]
    slugs = {str(tag).strip().lower() for tag in tags if not isinstance(tag, RegulatoryTag)}
    slugs.discard("")
    found = {tag.slug: tag for tag in RegulatoryTag.objects.filter(slug__in=slugs)}
    unknown = sorted(slugs - set(found))
    if unknown:
        known = ", ".join(RegulatoryTag.objects.values_list("slug", flat=True))
        raise ValidationError(
            f"Unknown regulatory tag{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(slug) for slug in unknown)} (known: {known}).",
            code="unknown_tag",
        )
    by_pk = {tag.pk: tag for tag in [*instances, *found.values()]}
    return sorted(by_pk.values(), key=lambda tag: tag.slug)


def steward_clean(steward: Steward | int | str | None) -> Steward | None:
    """An active steward by instance, primary key or name; None means no steward."""
    if steward is None or steward == "":
        return None
    if isinstance(steward, Steward):
        found = Steward.objects.filter(pk=steward.pk).first()
    elif isinstance(steward, int):
        found = Steward.objects.filter(pk=steward).first()
    else:
        found = Steward.objects.filter(name__iexact=str(steward).strip()).first()
    if found is None:
        raise ValidationError(f"Unknown steward {str(steward)!r}.", code="unknown_steward")
    if not found.active:
        raise ValidationError(
            f"Steward {found.name!r} is inactive: assign an active steward.",
            code="inactive_steward",
        )
    return found


def masking_policy_clean(policy: MaskingPolicy | int | str | None) -> MaskingPolicy | None:
    """A masking policy by instance, primary key or name; None means no policy."""
    if policy is None or policy == "":
        return None
    if isinstance(policy, MaskingPolicy):
        found = MaskingPolicy.objects.filter(pk=policy.pk).first()
    elif isinstance(policy, int):
        found = MaskingPolicy.objects.filter(pk=policy).first()
    else:
        found = MaskingPolicy.objects.filter(name__iexact=str(policy).strip()).first()
    if found is None:
        raise ValidationError(
            f"Unknown masking policy {str(policy)!r}.", code="unknown_masking_policy"
        )
    return found


def due_date_clean(value: date | str | None) -> date | None:
    """A review due date from a date or an ISO ``YYYY-MM-DD`` string; empty means none."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"Invalid review date {value!r}: use YYYY-MM-DD.", code="invalid_date"
        ) from None


def choice_clean(value: Any, choices: type, what: str) -> str:
    """One of a TextChoices' values, or a ValidationError naming the allowed ones."""
    text = str(value or "").strip().lower()
    if text not in choices.values:
        raise ValidationError(
            f"Unknown {what} {value!r}: use one of {', '.join(choices.values)}.",
            code=f"unknown_{what.replace(' ', '_')}",
        )
    return text


# The fields of an asset that ``asset_update`` accepts, and how each is cleaned.
FIELD_CLEANERS = {
    "classification": level_clean,
    "tags": tags_clean,
    "steward": steward_clean,
    "masking_policy": masking_policy_clean,
    "next_review_due": due_date_clean,
}


def changes_clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Clean every value of a change set; an unknown field is an error, not ignored."""
    unknown = sorted(set(changes) - set(FIELD_CLEANERS))
    if unknown:
        raise ValidationError(
            f"Unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            f"an asset has {', '.join(FIELD_CLEANERS)}.",
            code="unknown_field",
        )
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            cleaned[name] = FIELD_CLEANERS[name](value)
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return cleaned
