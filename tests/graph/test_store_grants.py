"""Grants in the graph store: the contract both backends keep (see graph.store.base)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph.store.base import GrantObservation, MembershipObservation, Replaced

# See test_store_contract: ``store`` reaches the database through a dynamic fixture.
pytestmark = pytest.mark.django_db

EXPORT = "snowflake://prod_db.marts.marketing_export"
CUSTOMERS = "snowflake://prod_db.raw.customers"
PG_ORDERS = "postgres://shop.public.orders"


def at(day: int) -> datetime:
    return datetime(2026, 6, day, tzinfo=UTC)


def grant(principal: str, key: str, privilege: str = "SELECT", **fields) -> GrantObservation:
    return GrantObservation(
        principal=principal,
        principal_kind=fields.pop("kind", "role"),
        dataset_key=key,
        privilege=privilege,
        granted_at=fields.pop("granted_at", at(1)),
        granted_by=fields.pop("granted_by", "SECURITYADMIN"),
        **fields,
    )


def member(who: str, role: str, kind: str = "role") -> MembershipObservation:
    return MembershipObservation(member=who, member_kind=kind, role=role, granted_at=at(2))


def held(store, key: str) -> set[tuple[str, str]]:
    return {(g.principal, g.privilege) for g in store.grants(key)}


def readers(store, key: str) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(g.principal, g.privilege, g.via) for g in store.who_can_read(key)]


def test_merge_is_idempotent_and_keyed_by_principal_dataset_privilege(store):
    rows = [grant("MARKETING", EXPORT), grant("ETL", EXPORT, "OWNERSHIP"), grant("ETL", EXPORT)]
    assert store.merge_grants(rows) == 3
    once = store.grants(EXPORT), store.counts()
    store.merge_grants(rows)
    assert (store.grants(EXPORT), store.counts()) == once
    assert held(store, EXPORT) == {("ETL", "OWNERSHIP"), ("ETL", "SELECT"), ("MARKETING", "SELECT")}
    assert once[1].grants == 3 and once[1].principals == 2 and once[1].datasets == 1


def test_the_latest_merge_sets_the_grant_fields(store):
    store.merge_grants([grant("MARKETING", EXPORT, "select", granted_by="SYSADMIN")])
    store.merge_grants([grant("MARKETING", EXPORT, granted_at=at(5), granted_on="view")])
    [found] = store.grants(EXPORT)
    assert (found.principal, found.principal_kind, found.privilege) == (
        "MARKETING",
        "role",
        "SELECT",
    )
    assert (found.granted_at, found.granted_by, found.granted_on) == (
        at(5),
        "SECURITYADMIN",
        "VIEW",
    )
    assert found.via == ()


def test_a_grant_creates_its_dataset_if_missing(store):
    store.merge_grants([grant("ANALYST", CUSTOMERS, granted_at=None, granted_by=None)])
    assert store.get_dataset(CUSTOMERS).kind == "unknown"
    [found] = store.grants(CUSTOMERS)
    assert found.granted_at is None and found.granted_by is None


def test_replace_makes_the_grants_equal_the_snapshot(store):
    store.merge_grants([grant("MARKETING", CUSTOMERS), grant("MARKETING", EXPORT)])
    store.merge_grants([grant("BOB", EXPORT, kind="user")])  # another kind: not in scope
    snapshot = [grant("MARKETING", EXPORT), grant("FINANCE", EXPORT, "SELECT")]

    assert store.replace_grants(rows=snapshot) == Replaced(merged=2, removed=1)
    assert held(store, CUSTOMERS) == set()  # revoked: gone from the snapshot
    assert held(store, EXPORT) == {
        ("BOB", "SELECT"),
        ("FINANCE", "SELECT"),
        ("MARKETING", "SELECT"),
    }
    assert store.replace_grants(rows=snapshot) == Replaced(merged=2, removed=0)


def test_replace_for_one_platform_leaves_the_others_alone(store):
    store.merge_grants([grant("REPORTING", PG_ORDERS), grant("REPORTING", EXPORT)])
    store.replace_grants(rows=[], platform="snowflake")
    assert held(store, PG_ORDERS) == {("REPORTING", "SELECT")}
    assert held(store, EXPORT) == set()
    with pytest.raises(ValueError, match="snowflake"):
        store.replace_grants(rows=[grant("REPORTING", PG_ORDERS)], platform="snowflake")
    with pytest.raises(ValueError, match="role"):
        store.replace_grants(rows=[grant("BOB", EXPORT, kind="user")])


def test_principals_left_with_nothing_are_no_longer_counted(store):
    store.merge_grants([grant("MARKETING", EXPORT)])
    store.replace_memberships(rows=[member("ANALYST", "MARKETING")])
    assert store.counts().principals == 2
    store.replace_grants(rows=[])
    store.replace_memberships(rows=[])
    assert (store.counts().principals, store.counts().grants) == (0, 0)


def test_who_can_read_follows_role_membership(store):
    store.merge_grants(
        [
            grant("MARKETING", EXPORT),
            grant("MARKETING", EXPORT, "INSERT"),  # not a read privilege
            grant("TRANSFORMER", EXPORT, "OWNERSHIP"),
        ]
    )
    result = store.replace_memberships(
        rows=[
            member("ANALYST", "MARKETING"),
            member("FINANCE", "ANALYST"),
            member("TRANSFORMER", "ETL"),  # upward only: ETL's members inherit from ETL
            member("ETL", "SYSADMIN"),
        ]
    )
    assert result == Replaced(merged=4, removed=0)
    assert readers(store, EXPORT) == [
        ("ANALYST", "SELECT", ("MARKETING",)),
        ("FINANCE", "SELECT", ("ANALYST", "MARKETING")),
        ("MARKETING", "SELECT", ()),
        ("TRANSFORMER", "OWNERSHIP", ()),
    ]
    [finance] = [g for g in store.who_can_read(EXPORT) if g.principal == "FINANCE"]
    assert (finance.principal_kind, finance.granted_by, finance.dataset_key) == (
        "role",
        "SECURITYADMIN",
        EXPORT,
    )


def test_who_can_read_takes_the_shortest_chain_and_stops_on_cycles(store):
    store.merge_grants([grant("A", EXPORT), grant("B", EXPORT)])
    store.replace_memberships(
        rows=[
            member("C", "B"),
            member("C", "A"),  # two chains of one hop: the first in code-point order
            member("D", "C"),
            member("B", "D"),  # a cycle back to a holder
        ]
    )
    # A user's membership is out of a role snapshot's scope, so it is refused there...
    with pytest.raises(ValueError, match="role"):
        store.replace_memberships(rows=[member("MARY", "D", "user")])
    store.replace_memberships(rows=[member("MARY", "D", "user")], member_kind="user")
    assert readers(store, EXPORT) == [
        ("A", "SELECT", ()),
        ("B", "SELECT", ()),
        ("C", "SELECT", ("A",)),
        ("D", "SELECT", ("C", "A")),
        ("MARY", "SELECT", ("D", "C", "A")),
    ]


def test_replacing_memberships_drops_those_gone(store):
    store.merge_grants([grant("MARKETING", EXPORT)])
    store.replace_memberships(rows=[member("ANALYST", "MARKETING"), member("FINANCE", "ANALYST")])
    assert store.replace_memberships(rows=[member("FINANCE", "ANALYST")]) == Replaced(1, 1)
    assert readers(store, EXPORT) == [("MARKETING", "SELECT", ())]


def test_grants_follow_a_rename_and_old_keys(store):
    old, new = "snowflake://prod_db.analytics.cust_ltv", "snowflake://prod_db.analytics.ltv"
    store.merge_grants([grant("ANALYST", old)])
    store.rename_dataset(old, new)
    assert held(store, new) == {("ANALYST", "SELECT")}
    store.merge_grants([grant("FINANCE", old)])  # a late snapshot under the old name
    assert held(store, new) == {("ANALYST", "SELECT"), ("FINANCE", "SELECT")}
    assert store.grants(old) == store.grants(new)
    assert store.replace_grants(rows=[grant("FINANCE", old)]).removed == 1
    assert held(store, new) == {("FINANCE", "SELECT")}


def test_a_rename_into_an_existing_dataset_keeps_both_grants(store):
    old, new = "snowflake://prod_db.analytics.a", "snowflake://prod_db.analytics.b"
    store.merge_grants([grant("ANALYST", old, granted_by="OLD"), grant("ETL", old, "OWNERSHIP")])
    store.merge_grants([grant("ANALYST", new, granted_by="NEW")])
    store.rename_dataset(old, new)
    found = {(g.principal, g.privilege): g.granted_by for g in store.grants(new)}
    assert found == {("ANALYST", "SELECT"): "NEW", ("ETL", "OWNERSHIP"): "SECURITYADMIN"}
    assert store.counts().grants == 2


def test_bad_grants_are_refused(store):
    with pytest.raises(ValueError, match="principal_kind"):
        store.merge_grants([grant("X", EXPORT, kind="group")])
    with pytest.raises(ValueError, match="timezone-aware"):
        store.merge_grants([grant("X", EXPORT, granted_at=datetime(2026, 6, 1))])
    with pytest.raises(ValueError, match="another role"):
        store.replace_memberships(rows=[member("X", "X")])
    assert store.counts().grants == 0


def test_clear_removes_grants_and_memberships(store):
    store.merge_grants([grant("MARKETING", EXPORT)])
    store.replace_memberships(rows=[member("ANALYST", "MARKETING")])
    store.clear()
    assert store.counts().grants == 0 and store.counts().principals == 0
    assert store.who_can_read(EXPORT) == []


def test_names_that_look_like_cypher_or_sql_round_trip(store):
    sly = "R'); DROP TABLE graph_store_grant; --"
    store.merge_grants([grant(sly, EXPORT, "SELECT"), grant("M`}) DETACH DELETE n //", EXPORT)])
    assert {g.principal for g in store.grants(EXPORT)} == {sly, "M`}) DETACH DELETE n //"}


def test_who_can_read_of_many_datasets_answers_as_one_by_one(store):
    orders = "snowflake://prod_db.raw.orders"
    store.merge_grants([grant("MARKETING", EXPORT), grant("A", orders), grant("B", orders)])
    store.replace_memberships(rows=[member("ANALYST", "MARKETING"), member("C", "A")])
    store.rename_dataset(orders, orders + "_v2")  # asked by its old name, answered by the new
    asked = [EXPORT, orders, "snowflake://prod_db.raw.nobody", EXPORT]

    many = store.who_can_read_of(asked)

    assert list(many) == [EXPORT, orders, "snowflake://prod_db.raw.nobody"]
    assert all(many[key] == store.who_can_read(key) for key in asked)
    assert [g.principal for g in many[orders]] == ["A", "B", "C"]
    assert many["snowflake://prod_db.raw.nobody"] == []
