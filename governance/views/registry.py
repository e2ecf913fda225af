"""The compliance admins' own pages: masking policies and stewards, in the portal's look.

Everyone else who opens them gets the "not for your role" page (403), never a login form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lineage_portal.access import acting_user

from .. import selectors, services
from ..models import MaskingPolicy, Steward
from .common import governance_page

_Saved = TypeVar("_Saved", MaskingPolicy, Steward)


class MaskingPolicyForm(forms.Form):
    """A masking policy as the warehouse applies it (hash, redact, tokenize…)."""

    name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=MaskingPolicy.Kind.choices)
    warehouse_policy = forms.CharField(
        max_length=512, required=False, help_text="The warehouse's own name for it, if any."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(required=False, max_length=500, help_text="Kept in the audit trail.")


class StewardForm(forms.Form):
    """A person or team accountable for assets, and the users who act for it."""

    name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=Steward.Kind.choices)
    email = forms.EmailField(required=False)
    active = forms.BooleanField(required=False, initial=True)
    members = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Users who may classify and attest for this steward.",
    )
    reason = forms.CharField(required=False, max_length=500, help_text="Kept in the audit trail.")


@require_GET
@governance_page("administer")
def portal_admin(request: HttpRequest) -> HttpResponse:
    """Masking policies and stewards, each one click from its edit form."""
    context = {
        "policies": selectors.masking_policy_list().order_by("name"),
        "stewards": selectors.steward_list(active=None).order_by("-active", "name"),
    }
    return render(request, "governance/admin.html", context)


@governance_page("administer")
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a masking policy, or change one (audited)."""
    policy = get_object_or_404(MaskingPolicy, pk=pk) if pk else None
    initial = _fields(policy, ("name", "kind", "warehouse_policy", "description"))
    form = MaskingPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        reason = values.pop("reason")
        saved = _save(
            form,
            lambda: (
                services.masking_policy_update(
                    actor=acting_user(request), policy=policy, changes=values, reason=reason
                )
                if policy
                else services.masking_policy_create(
                    actor=acting_user(request), reason=reason, **values
                )
            ),
        )
        if saved:
            messages.success(request, f"Masking policy {saved.name} saved.")
            return redirect(reverse("portal_admin") + "#policies")
    context = {"form": form, "thing": "masking policy", "obj": policy}
    return render(request, "governance/admin_form.html", context, status=_status(request, form))


@governance_page("administer")
def steward_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a steward, or change one: its name, kind, e-mail, members, whether it is active."""
    steward = get_object_or_404(Steward, pk=pk) if pk else None
    initial = _fields(steward, ("name", "kind", "email", "active"))
    if steward:
        initial["members"] = list(steward.members.all())
    form = StewardForm(request.POST or None, initial=initial or {"active": True})
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        reason = values.pop("reason")
        saved = _save(
            form,
            lambda: (
                services.steward_update(
                    actor=acting_user(request), steward=steward, changes=values, reason=reason
                )
                if steward
                else services.steward_create(actor=acting_user(request), reason=reason, **values)
            ),
        )
        if saved:
            messages.success(request, f"Steward {saved.name} saved.")
            return redirect(reverse("portal_admin") + "#stewards")
    context = {"form": form, "thing": "steward", "obj": steward}
    return render(request, "governance/admin_form.html", context, status=_status(request, form))


def _fields(obj: models.Model | None, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names} if obj else {}


def _save(form: forms.Form, write: Callable[[], _Saved]) -> _Saved | None:
    """Run the service; its validation errors land on the form instead of a crash."""
    try:
        return write()
    except ValidationError as exc:
        for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {}).items():
            form.add_error(field if field in form.fields else None, errors)
        if not hasattr(exc, "error_dict"):
            form.add_error(None, exc.messages)
        return None


def _status(request: HttpRequest, form: forms.Form) -> int:
    return 400 if request.method == "POST" and form.errors else 200
