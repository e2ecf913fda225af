"""Governance writes. Each service is one atomic change; views and commands call these.

This module is the one place to import them from. Every service takes keyword-only
arguments, checks permission through ``governance.permissions``, raises
``ValidationError`` (naming the bad value), ``PermissionDenied`` or ``StaleAssetError``,
and records an ``AuditEvent`` with what changed. The implementations live in
``assets`` (one asset; the governance rows of one or many), ``bulk`` (many assets at
once), ``reviews`` (attestations, suggestions) and ``registry`` (stewards, masking
policies, tags).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from lineage_portal.access import AUDITOR, COMPLIANCE_ADMIN, ROLES, STEWARD

from ..errors import StaleAssetError
from .assets import (
    asset_governance_get_or_create,
    asset_governance_get_or_create_many,
    asset_governance_of,
    asset_update,
    classification_assign,
    masking_policy_assign,
    review_cycle_days,
    steward_assign,
    tags_set,
)
from .bulk import BulkResult, bulk_assign, review_cycle_open
from .conflicts import masking_conflict_resolve
from .registry import (
    masking_policy_create,
    masking_policy_update,
    regulatory_tag_create,
    regulatory_tag_update,
    steward_create,
    steward_update,
)
from .reviews import review_attest, tag_suggestion_accept, tag_suggestion_reject

__all__ = [
    "DEMO_LOGINS",
    "BulkResult",
    "DemoLogin",
    "StaleAssetError",
    "asset_governance_get_or_create",
    "asset_governance_get_or_create_many",
    "asset_governance_of",
    "asset_update",
    "bulk_assign",
    "classification_assign",
    "demo_users_create",
    "masking_conflict_resolve",
    "masking_policy_assign",
    "masking_policy_create",
    "masking_policy_update",
    "regulatory_tag_create",
    "regulatory_tag_update",
    "review_attest",
    "review_cycle_days",
    "review_cycle_open",
    "role_groups_ensure",
    "steward_assign",
    "steward_create",
    "steward_update",
    "tag_suggestion_accept",
    "tag_suggestion_reject",
    "tags_set",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    full_name: str


DEMO_LOGINS = (
    DemoLogin("steward", "steward-demo", STEWARD, "Sam Steward"),
    DemoLogin("auditor", "auditor-demo", AUDITOR, "Avery Auditor"),
    DemoLogin("admin", "admin-demo", COMPLIANCE_ADMIN, "Ada Admin"),
)


def role_groups_ensure() -> list[Group]:
    """Create the Steward, Auditor and Compliance admin groups if they are missing."""
    return [Group.objects.get_or_create(name=name)[0] for name in ROLES]


@transaction.atomic
def demo_users_create() -> tuple[DemoLogin, ...]:
    """Create (or reset) one demo login per role; for the demo installation only."""
    groups = {group.name: group for group in role_groups_ensure()}
    users = get_user_model().objects
    for login in DEMO_LOGINS:
        user, _ = users.get_or_create(username=login.username)
        user.set_password(login.password)
        user.first_name, user.last_name = login.full_name.split(" ", 1)
        user.email = f"{login.username}@demo.lineage-portal.local"
        user.is_staff = login.role == COMPLIANCE_ADMIN
        user.is_superuser = login.role == COMPLIANCE_ADMIN
        user.save()
        user.groups.set([groups[login.role]])
    return DEMO_LOGINS
