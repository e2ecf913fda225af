"""Writes to the registries compliance admins keep: stewards, masking policies, tags.

Admin only, audited like every governance change. Nothing here deletes: a steward is
deactivated, so the assets it owned show up as steward gaps and history keeps its name.
Import these from ``governance.services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import models, transaction

from lineage_portal.text_safety import text_validate

from ..audit import audit_event_append
from ..models import MaskingPolicy, RegulatoryTag, Steward
from ..permissions import ensure_can_administer
from ..validation import choice_clean

if TYPE_CHECKING:
    from lineage_portal.access import Actor

STEWARD_FIELDS = ("name", "kind", "email", "active", "members")
POLICY_FIELDS = ("name", "kind", "warehouse_policy", "description")
TAG_FIELDS = ("slug", "name", "description")


def _text(value: Any, what: str, *, required: bool = True, multiline: bool = False) -> str:
    """Typed text: trimmed; NUL, controls and bidi overrides refused (descriptions keep lines)."""
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError(f"{what} must not be empty.", code="required")
    return text_validate(text, what, multiline=multiline)


def _name(value: Any, what: str) -> str:
    """A display name; one starting like a spreadsheet formula is refused (CSV exports)."""
    text = _text(value, what)
    if text[0] in "=+-@":
        raise ValidationError(f"{what} {text!r} must not start with {text[0]!r}.", code="formula")
    return text


def _unique(
    model: type[models.Model], field: str, value: str, what: str, exclude: Any = None
) -> str:
    clash = model.objects.filter(**{f"{field}__iexact": value}).exclude(
        pk=getattr(exclude, "pk", None)
    )
    if clash.exists():
        raise ValidationError(f"{what} {value!r} already exists.", code="duplicate")
    return value


def _users(members: Iterable[Any]) -> list[Any]:
    """Users by instance or username; unknown usernames are named."""
    users = get_user_model()
    found = [member for member in members if isinstance(member, users)]
    names = {str(member) for member in members if not isinstance(member, users)}
    by_name = {user.get_username(): user for user in users.objects.filter(username__in=names)}
    unknown = sorted(names - set(by_name))
    if unknown:
        raise ValidationError(
            f"Unknown user(s) {', '.join(map(repr, unknown))}.", code="unknown_user"
        )
    return sorted({*found, *by_name.values()}, key=lambda user: user.get_username())


def _snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    data = {}
    for name in fields:
        if name == "members":
            data[name] = sorted(obj.members.values_list("username", flat=True))
        else:
            data[name] = getattr(obj, name)
    return data


def _clean_steward(values: dict[str, Any], instance: Steward | None = None) -> dict[str, Any]:
    unknown = set(values) - set(STEWARD_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown steward field(s) {', '.join(sorted(unknown))}.")
    cleaned = dict(values)
    if "name" in values:
        cleaned["name"] = _unique(
            Steward, "name", _name(values["name"], "Steward name"), "Steward", instance
        )
    if "kind" in values:
        cleaned["kind"] = choice_clean(values["kind"], Steward.Kind, "steward kind")
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            raise ValidationError(f"Invalid e-mail address {values['email']!r}.") from None
    if "active" in values:
        cleaned["active"] = bool(values["active"])
    if "members" in values:
        cleaned["members"] = _users(values["members"] or ())
    return cleaned


def _save(obj: models.Model, cleaned: dict[str, Any]) -> None:
    for name, value in cleaned.items():
        if name != "members":
            setattr(obj, name, value)
    obj.save()
    if "members" in cleaned:
        obj.members.set(cleaned["members"])


def _audited_save(
    actor: Actor,
    obj: models.Model,
    cleaned: dict[str, Any],
    fields: tuple[str, ...],
    kind: str,
    key_field: str,
    reason: str,
) -> None:
    """Save ``obj`` with ``cleaned`` and audit exactly the fields that changed."""
    creating = obj.pk is None
    before = None if creating else _snapshot(obj, fields)
    _save(obj, cleaned)
    after = _snapshot(obj, fields)
    if before is not None:
        changed = [name for name in fields if before[name] != after[name]]
        if not changed:
            return
        before = {name: before[name] for name in changed}
        after = {name: after[name] for name in changed}
    audit_event_append(
        actor=actor,
        action=f"{kind}.{'create' if creating else 'update'}",
        object_type=kind,
        object_key=f"{kind}:{getattr(obj, key_field)}",
        before=before,
        after=after,
        reason=reason,
    )


@transaction.atomic
def steward_create(
    *,
    actor: Actor,
    name: str,
    kind: str = Steward.Kind.PERSON,
    email: str = "",
    members: Iterable[Any] = (),
    active: bool = True,
    reason: str = "",
) -> Steward:
    """A new person- or team-steward; ``members`` are users (or usernames) who act for it."""
    ensure_can_administer(actor)
    values = {"name": name, "kind": kind, "email": email, "active": active, "members": members}
    steward = Steward()
    _audited_save(actor, steward, _clean_steward(values), STEWARD_FIELDS, "steward", "name", reason)
    return steward


@transaction.atomic
def steward_update(
    *, actor: Actor, steward: Steward, changes: dict[str, Any], reason: str = ""
) -> Steward:
    """Rename, re-kind, (de)activate a steward or replace its members."""
    ensure_can_administer(actor)
    steward = Steward.objects.select_for_update().get(pk=steward.pk)
    _audited_save(
        actor, steward, _clean_steward(changes, steward), STEWARD_FIELDS, "steward", "name", reason
    )
    return steward


def _clean_policy(values: dict[str, Any], instance: MaskingPolicy | None = None) -> dict[str, Any]:
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown masking policy field(s) {', '.join(sorted(unknown))}.")
    cleaned = {
        name: _text(value, name, required=False, multiline=name == "description")
        for name, value in values.items()
    }
    if "name" in values:
        cleaned["name"] = _unique(
            MaskingPolicy,
            "name",
            _name(values["name"], "Masking policy name"),
            "Masking policy",
            instance,
        )
    if "kind" in values:
        cleaned["kind"] = choice_clean(values["kind"], MaskingPolicy.Kind, "masking kind")
    return cleaned


@transaction.atomic
def masking_policy_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    warehouse_policy: str = "",
    description: str = "",
    reason: str = "",
) -> MaskingPolicy:
    """Register a warehouse masking policy (hash, redact, tokenize or none)."""
    ensure_can_administer(actor)
    values = {
        "name": name,
        "kind": kind,
        "warehouse_policy": warehouse_policy,
        "description": description,
    }
    policy = MaskingPolicy()
    _audited_save(
        actor, policy, _clean_policy(values), POLICY_FIELDS, "masking_policy", "name", reason
    )
    return policy


@transaction.atomic
def masking_policy_update(
    *, actor: Actor, policy: MaskingPolicy, changes: dict[str, Any], reason: str = ""
) -> MaskingPolicy:
    """Change a masking policy's name, kind, warehouse name or description."""
    ensure_can_administer(actor)
    policy = MaskingPolicy.objects.select_for_update().get(pk=policy.pk)
    _audited_save(
        actor,
        policy,
        _clean_policy(changes, policy),
        POLICY_FIELDS,
        "masking_policy",
        "name",
        reason,
    )
    return policy


def _clean_tag(values: dict[str, Any], instance: RegulatoryTag | None = None) -> dict[str, Any]:
    unknown = set(values) - set(TAG_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown regulatory tag field(s) {', '.join(sorted(unknown))}.")
    cleaned = {
        name: _text(value, name, required=False, multiline=name == "description")
        for name, value in values.items()
    }
    if "slug" in values:
        slug = _text(values["slug"], "Tag slug").lower()
        if instance is not None and instance.builtin and slug != instance.slug:
            raise ValidationError(f"Built-in tag {instance.slug!r} cannot be renamed.")
        try:
            validate_slug(slug)
        except ValidationError:
            raise ValidationError(
                f"Invalid tag slug {slug!r}: use letters, digits, '-' and '_'."
            ) from None
        cleaned["slug"] = _unique(RegulatoryTag, "slug", slug, "Regulatory tag", instance)
    return cleaned


@transaction.atomic
def regulatory_tag_create(
    *, actor: Actor, slug: str, name: str = "", description: str = "", reason: str = ""
) -> RegulatoryTag:
    """Add a regulatory tag beside the built-in ones (admin only)."""
    ensure_can_administer(actor)
    cleaned = _clean_tag({"slug": slug, "name": name, "description": description})
    cleaned["name"] = cleaned["name"] or cleaned["slug"].upper()
    tag = RegulatoryTag(builtin=False)
    _audited_save(actor, tag, cleaned, TAG_FIELDS, "regulatory_tag", "slug", reason)
    return tag


@transaction.atomic
def regulatory_tag_update(
    *, actor: Actor, tag: RegulatoryTag, changes: dict[str, Any], reason: str = ""
) -> RegulatoryTag:
    """Change a tag's name or description (or the slug of a tag that is not built in)."""
    ensure_can_administer(actor)
    tag = RegulatoryTag.objects.select_for_update().get(pk=tag.pk)
    _audited_save(
        actor, tag, _clean_tag(changes, tag), TAG_FIELDS, "regulatory_tag", "slug", reason
    )
    return tag
