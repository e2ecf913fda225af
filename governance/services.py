"""Governance writes. Each service is one atomic change; views and commands call these."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import AUDITOR, COMPLIANCE_ADMIN, ROLES, STEWARD


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


DEMO_LOGINS = (
    DemoLogin("steward", "steward-demo", STEWARD),
    DemoLogin("auditor", "auditor-demo", AUDITOR),
    DemoLogin("admin", "admin-demo", COMPLIANCE_ADMIN),
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
        user.first_name = login.role.split()[0]
        user.email = f"{login.username}@demo.lineage-portal.local"
        user.is_staff = login.role == COMPLIANCE_ADMIN
        user.is_superuser = login.role == COMPLIANCE_ADMIN
        user.save()
        user.groups.set([groups[login.role]])
    return DEMO_LOGINS
