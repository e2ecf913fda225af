"""The permission matrix, asserted through the services that enforce it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View
from rest_framework.test import APIRequestFactory

from governance import permissions, services
from governance.models import AuditEvent

from .factories import UserFactory

ROLES = ["owner", "other", "member", "auditor", "admin", "nobody"]
# Who may edit the asset owned by the person-steward ("asset") and by the team ("team_asset").
EDITS_ASSET = {
    "owner": True,
    "other": False,
    "member": False,
    "auditor": False,
    "admin": True,
    "nobody": False,
}
EDITS_TEAM_ASSET = {
    "owner": False,
    "other": False,
    "member": True,
    "auditor": False,
    "admin": True,
    "nobody": False,
}
EXPORTS = {
    "owner": False,
    "other": False,
    "member": False,
    "auditor": True,
    "admin": True,
    "nobody": False,
}
ADMINISTERS = {
    "owner": False,
    "other": False,
    "member": False,
    "auditor": False,
    "admin": True,
    "nobody": False,
}


def _classify(user, asset) -> bool:
    """True if the service let ``user`` classify ``asset`` (and it changed), False if refused."""
    try:
        services.classification_assign(actor=user, asset=asset, level="restricted", reason="matrix")
    except PermissionDenied:
        asset.refresh_from_db()
        assert asset.classification is None and asset.version == 0
        return False
    asset.refresh_from_db()
    assert asset.classification == "restricted"
    return True


@pytest.mark.parametrize("role", ROLES)
def test_editing_the_person_stewards_asset(world, role):
    assert _classify(getattr(world, role), world.asset) is EDITS_ASSET[role]


@pytest.mark.parametrize("role", ROLES)
def test_editing_the_team_asset(world, role):
    assert _classify(getattr(world, role), world.team_asset) is EDITS_TEAM_ASSET[role]


@pytest.mark.parametrize("role", ROLES)
def test_view_export_administer(world, role):
    user = getattr(world, role)
    assert permissions.can_view(user)
    assert permissions.can_export(user) is EXPORTS[role]
    assert permissions.can_administer(user) is ADMINISTERS[role]


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_stewards(world, role):
    user = getattr(world, role)
    if ADMINISTERS[role]:
        assert services.steward_create(actor=user, name=f"New {role}").pk
    else:
        with pytest.raises(PermissionDenied, match="only compliance admins"):
            services.steward_create(actor=user, name=f"New {role}")


def test_anonymous_may_do_nothing(world):
    anonymous = AnonymousUser()
    assert not permissions.can_view(anonymous)
    assert not permissions.can_export(anonymous)
    assert not permissions.can_edit_asset(anonymous, world.asset)
    with pytest.raises(PermissionDenied, match="anonymous"):
        services.classification_assign(actor=anonymous, asset=world.asset, level="public")


def test_a_superuser_is_a_compliance_admin(world):
    root = UserFactory(username="root", is_superuser=True)
    assert permissions.can_administer(root) and permissions.can_export(root)
    assert _classify(root, world.team_asset)


def test_refusal_names_the_asset_and_its_steward(world):
    with pytest.raises(PermissionDenied) as refused:
        services.classification_assign(actor=world.other, asset=world.asset, level="public")
    assert world.asset.key in str(refused.value) and "Olive Owner" in str(refused.value)
    assert not AuditEvent.objects.exists()


def test_an_inactive_steward_no_longer_grants_edits(world):
    services.steward_update(actor=world.admin, steward=world.person, changes={"active": False})
    world.asset.refresh_from_db()
    assert not _classify(world.owner, world.asset)


def test_steward_membership_without_the_steward_role_grants_nothing(world):
    world.team.members.add(world.auditor)
    assert not _classify(world.auditor, world.team_asset)


def test_leaving_the_team_removes_the_right(world):
    world.team.members.remove(world.member)
    assert not _classify(world.member, world.team_asset)


# --- the same functions behind pages and the API ------------------------------------------


def test_view_decorator_refuses_with_the_reason(world):
    @permissions.governance_required("export")
    def export_view(request):
        return HttpResponse("csv")

    request = RequestFactory().get("/x")
    request.user = world.auditor
    assert export_view(request).content == b"csv"
    request.user = world.owner
    with pytest.raises(PermissionDenied, match="may not export"):
        export_view(request)


def test_view_mixin(world):
    class AdminOnly(permissions.GovernancePermissionMixin, View):
        governance_check = "administer"

        def get(self, request):
            return HttpResponse("ok")

    request = RequestFactory().get("/x")
    request.user = world.admin
    assert AdminOnly.as_view()(request).status_code == 200
    request.user = world.auditor
    with pytest.raises(PermissionDenied):
        AdminOnly.as_view()(request)


def test_drf_permission_classes(world):
    factory = APIRequestFactory()
    read, write = factory.get("/api/x"), factory.patch("/api/x")
    permission = permissions.GovernancePermission()
    read.user = write.user = world.auditor
    assert permission.has_permission(read, None)
    assert permission.has_object_permission(read, None, world.asset)
    assert not permission.has_object_permission(write, None, world.asset)
    write.user = world.owner
    assert permission.has_object_permission(write, None, world.asset)
    assert not permission.has_object_permission(write, None, world.person)  # registries: admins
    assert permissions.CanExport().has_permission(read, None)  # auditor
    assert not permissions.CanAdminister().has_permission(read, None)
    read.user = AnonymousUser()
    assert not permission.has_permission(read, None)


@pytest.mark.parametrize("role", ROLES)
def test_a_column_without_a_steward_answers_to_its_tables_steward(world, role):
    from .factories import AssetGovernanceFactory, ColumnFactory

    column = ColumnFactory(dataset=world.asset.dataset, name="email")
    column_asset = AssetGovernanceFactory(dataset=None, column=column)
    assert _classify(getattr(world, role), column_asset) is EDITS_ASSET[role]


def test_a_column_with_its_own_steward_answers_to_that_steward(world):
    from .factories import AssetGovernanceFactory, ColumnFactory

    column = ColumnFactory(dataset=world.asset.dataset, name="iban")
    column_asset = AssetGovernanceFactory(dataset=None, column=column, steward=world.team)
    assert _classify(world.owner, column_asset) is False
    assert _classify(world.member, column_asset) is True
