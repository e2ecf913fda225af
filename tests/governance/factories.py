"""Factories for governance tests: catalog rows, users in roles, stewards, assets."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from governance.models import AssetGovernance, MaskingPolicy, RegulatoryTag, Steward
from graph.models import Column, Dataset
from lineage_portal.access import AUDITOR, COMPLIANCE_ADMIN, STEWARD


class DatasetFactory(factory.django.DjangoModelFactory):
    """A catalog dataset ``snowflake://prod_db.<schema>.<name>``."""

    class Meta:
        model = Dataset
        django_get_or_create = ("key",)

    platform = "snowflake"
    database = "prod_db"
    schema = "raw"
    name = factory.Sequence(lambda n: f"table_{n}")
    key = factory.LazyAttribute(lambda o: f"{o.platform}://{o.database}.{o.schema}.{o.name}")


class ColumnFactory(factory.django.DjangoModelFactory):
    """A column of a catalog dataset, keyed ``<dataset key>#<name>``."""

    class Meta:
        model = Column
        django_get_or_create = ("key",)

    dataset = factory.SubFactory(DatasetFactory)
    name = factory.Sequence(lambda n: f"col_{n}")
    key = factory.LazyAttribute(lambda o: f"{o.dataset.key}#{o.name.lower()}")
    data_type = "VARCHAR"


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``role=`` puts them in that role's group."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])


def steward_user(**kwargs):
    return UserFactory(role=STEWARD, **kwargs)


def auditor_user(**kwargs):
    return UserFactory(role=AUDITOR, **kwargs)


def admin_user(**kwargs):
    return UserFactory(role=COMPLIANCE_ADMIN, **kwargs)


class StewardFactory(factory.django.DjangoModelFactory):
    """A person-steward; ``members=[user, …]`` lets those users act for it."""

    class Meta:
        model = Steward
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Steward {n}")
    kind = Steward.Kind.PERSON

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)


class MaskingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaskingPolicy
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"POLICY_{n}")
    kind = MaskingPolicy.Kind.HASH
    warehouse_policy = factory.LazyAttribute(lambda o: f"PROD_DB.POLICIES.{o.name}")


class AssetGovernanceFactory(factory.django.DjangoModelFactory):
    """The governance row of a new dataset (pass ``column=`` and ``dataset=None`` for a column)."""

    class Meta:
        model = AssetGovernance

    dataset = factory.SubFactory(DatasetFactory)
    column = None


def tag(slug: str) -> RegulatoryTag:
    """A built-in tag (seeded by migration), created if a flush removed it."""
    return RegulatoryTag.objects.get_or_create(
        slug=slug, defaults={"name": slug.upper(), "builtin": True}
    )[0]
