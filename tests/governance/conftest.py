"""The people of the permission matrix and the assets they steward."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AbstractUser

from governance.models import AssetGovernance, Steward

from .factories import (
    AssetGovernanceFactory,
    StewardFactory,
    UserFactory,
    admin_user,
    auditor_user,
    steward_user,
)


@dataclass
class World:
    """Users in every role, and an asset owned by a person-steward and one by a team."""

    owner: AbstractUser  # a Steward whose person-steward owns ``asset``
    other: AbstractUser  # a Steward who owns nothing here
    member: AbstractUser  # a Steward in the team that owns ``team_asset``
    auditor: AbstractUser
    admin: AbstractUser
    nobody: AbstractUser  # signed in, in no group
    person: Steward
    team: Steward
    asset: AssetGovernance
    team_asset: AssetGovernance


@pytest.fixture
def world(db) -> World:
    owner, other, member = (
        steward_user(username="owner"),
        steward_user(username="other"),
        steward_user(username="member"),
    )
    person = StewardFactory(name="Olive Owner", members=[owner])
    team = StewardFactory(name="Finance Data", kind=Steward.Kind.TEAM, members=[member])
    StewardFactory(name="Other Person", members=[other])
    return World(
        owner=owner,
        other=other,
        member=member,
        auditor=auditor_user(username="audrey"),
        admin=admin_user(username="ada"),
        nobody=UserFactory(username="nobody"),
        person=person,
        team=team,
        asset=AssetGovernanceFactory(steward=person, dataset__name="customers"),
        team_asset=AssetGovernanceFactory(steward=team, dataset__name="payments"),
    )
