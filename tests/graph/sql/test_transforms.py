"""What a value goes through: our transform label and OpenLineage's type, subtype and masking.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    parse_statement,
)
from tests.graph.sql.support import described, lineage, upstreams_of


@pytest.mark.parametrize(
    ("dialect", "expression"),
    [
        ("snowflake", "SHA2(email)"),
        ("snowflake", "SHA2_HEX(email)"),
        ("snowflake", "MD5(email)"),
        ("snowflake", "HASH(email)"),
        ("postgres", "md5(lower(email))"),
        ("postgres", "encode(digest(email, 'sha256'), 'hex')"),
        ("bigquery", "TO_HEX(SHA256(email))"),
        ("bigquery", "FARM_FINGERPRINT(email)"),
        ("mssql", "HASHBYTES('SHA2_256', email)"),
        ("databricks", "sha2(email, 256)"),
        ("clickhouse", "cityHash64(email)"),
    ],
)
def test_hash_functions_are_hashed(dialect, expression):
    sql = f"INSERT INTO t (e) SELECT {expression} FROM s"

    assert upstreams_of(sql, "t.e", dialect=dialect) == [("s", "email", "hashed")]


@pytest.mark.parametrize(
    ("expression", "transform", "masking"),
    [
        # Value-returning aggregates hand real values on: identity, not masked.
        ("MAX(amount)", "identity", False),
        ("LISTAGG(amount, ',')", "identity", False),
        ("ARRAY_AGG(amount)", "identity", False),
        # Sums and averages still carry financial data: aggregated, not masking.
        ("SUM(amount)", "aggregated", False),
        ("AVG(amount)", "aggregated", False),
        # Counts reveal no value: masking.
        ("COUNT(amount)", "aggregated", True),
        ("APPROX_COUNT_DISTINCT(amount)", "aggregated", True),
    ],
)
def test_aggregates_are_aggregation_and_only_counts_mask(expression, transform, masking):
    sql = f"INSERT INTO t (x) SELECT {expression} FROM s GROUP BY region"

    assert described(parse_statement(sql))["t.x"] == [
        ("s", "amount", transform, "DIRECT", "AGGREGATION", masking)
    ]


def test_count_star_carries_no_column_value():
    assert upstreams_of("INSERT INTO t (n) SELECT COUNT(*) FROM s", "t.n") == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'***'", []),
        ("NULL", []),
        ("CONCAT('***', RIGHT(ssn, 4))", [("s", "ssn", "redacted")]),
        ("'XXX-XX-' || RIGHT(ssn, 4)", [("s", "ssn", "redacted")]),
        ("REGEXP_REPLACE(ssn, '[0-9]', '*')", [("s", "ssn", "redacted")]),
        ("LPAD(RIGHT(ssn, 4), 11, '*')", [("s", "ssn", "redacted")]),
    ],
)
def test_masking_expressions_are_redacted(expression, expected):
    sql = f"INSERT INTO t (ssn) SELECT {expression} FROM s"

    assert upstreams_of(sql, "t.ssn") == expected


def test_masking_functions_of_hive_family_are_redacted():
    sql = "INSERT INTO t SELECT mask(ssn) AS ssn, mask_hash(ssn) AS ssn_hash FROM s"

    assert lineage(parse_statement(sql, dialect="databricks")) == {
        "t.ssn": [("s", "ssn", "redacted")],
        "t.ssn_hash": [("s", "ssn", "hashed")],
    }


@pytest.mark.parametrize(
    ("expression", "transform"),
    [
        ("name", "identity"),
        ("name AS alias_ignored", "identity"),
        ("CAST(name AS VARCHAR(10))", "identity"),
        ("name::text", "identity"),
        ("UPPER(name)", "transformed"),
        ("TRIM(name)", "transformed"),
        ("COALESCE(name, 'unknown')", "transformed"),
        ("CASE WHEN name IS NULL THEN 'n/a' ELSE name END", "transformed"),
        ("REPLACE(name, ' ', '')", "transformed"),
    ],
)
def test_identity_and_transformed(expression, transform):
    sql = f"INSERT INTO t (n) SELECT {expression} FROM s"

    assert upstreams_of(sql, "t.n", dialect="postgres") == [("s", "name", transform)]


def test_strongest_masking_wins_through_a_cte_chain():
    result = parse_statement(
        "CREATE TABLE mart.audience AS "
        "WITH hashed AS (SELECT id, SHA2(email) AS email_hash, amount FROM raw.users), "
        "shaped AS (SELECT id, UPPER(email_hash) AS email_hash, SUM(amount) AS spend "
        "FROM hashed GROUP BY id, email_hash) "
        "SELECT id, LOWER(email_hash) AS email_key, ROUND(spend, 2) AS spend FROM shaped"
    )

    assert lineage(result) == {
        "mart.audience.id": [("raw.users", "id", "identity")],
        "mart.audience.email_key": [("raw.users", "email", "hashed")],
        "mart.audience.spend": [("raw.users", "amount", "aggregated")],
    }


def test_redaction_outranks_hashing_when_both_apply():
    sql = "INSERT INTO t (x) SELECT SHA2(REGEXP_REPLACE(ssn, '[0-9]', '*')) FROM s"

    assert upstreams_of(sql, "t.x") == [("s", "ssn", "redacted")]


def test_a_raw_path_beside_a_hashed_one_is_not_masked():
    sql = "INSERT INTO t (x) SELECT CONCAT(SHA2(email), email) FROM s"

    assert upstreams_of(sql, "t.x") == [("s", "email", "transformed")]


@pytest.mark.parametrize(
    ("dialect", "expression"),
    [
        ("snowflake", "MIN(email)"),
        ("snowflake", "ANY_VALUE(email)"),
        ("snowflake", "MODE(email)"),
        ("snowflake", "ARRAY_UNIQUE_AGG(email)"),
        ("snowflake", "OBJECT_AGG(id, email)"),
        ("postgres", "string_agg(email, ',')"),
        ("mysql", "GROUP_CONCAT(email)"),
        ("databricks", "collect_list(email)"),
        ("databricks", "collect_set(email)"),
        ("bigquery", "ARRAY_AGG(email IGNORE NULLS)"),
        ("clickhouse", "groupArray(email)"),
        ("snowflake", "FIRST_VALUE(email) OVER (ORDER BY id)"),
    ],
)
def test_value_returning_aggregates_carry_the_value_unmasked(dialect, expression):
    sql = f"INSERT INTO t (x) SELECT {expression} FROM s"

    ups = described(parse_statement(sql, dialect=dialect))["t.x"]

    assert ("s", "email", "identity", "DIRECT", "AGGREGATION", False) in ups


@pytest.mark.parametrize(
    ("dialect", "expression"),
    [
        ("snowflake", "COUNT(DISTINCT email)"),
        ("snowflake", "HLL(email)"),
        ("bigquery", "COUNTIF(email LIKE '%@acme.com')"),
        ("clickhouse", "uniqExact(email)"),
        ("trino", "approx_distinct(email)"),
    ],
)
def test_count_like_aggregates_mask(dialect, expression):
    sql = f"INSERT INTO t (x) SELECT {expression} FROM s"

    assert described(parse_statement(sql, dialect=dialect))["t.x"] == [
        ("s", "email", "aggregated", "DIRECT", "AGGREGATION", True)
    ]


@pytest.mark.parametrize("expression", ["STDDEV(salary)", "MEDIAN(salary)", "VARIANCE(salary)"])
def test_other_aggregates_are_aggregated_but_not_masking(expression):
    sql = f"INSERT INTO t (x) SELECT {expression} FROM s"

    assert described(parse_statement(sql))["t.x"] == [
        ("s", "salary", "aggregated", "DIRECT", "AGGREGATION", False)
    ]


def test_tokenization_masks():
    sql = "INSERT INTO t (x) SELECT PII_TOKENIZE(ssn) FROM s"

    assert described(parse_statement(sql))["t.x"] == [
        ("s", "ssn", "redacted", "DIRECT", "TRANSFORMATION", True)
    ]


def test_positions_that_steer_a_value_are_indirect_and_never_mask():
    result = parse_statement(
        "SELECT CASE WHEN country = 'US' THEN email ELSE NULL END AS us_email, "
        "COUNT(*) FILTER (WHERE status = 'paid') AS paid, "
        "ARRAY_AGG(sku ORDER BY added_at) AS skus, "
        "NULLIF(phone, blocked_phone) AS phone "
        "FROM s GROUP BY 1, 4",
        dialect="duckdb",
    )

    assert described(result) == {
        "us_email": [
            ("s", "country", "transformed", "INDIRECT", "CONDITIONAL", False),
            ("s", "email", "transformed", "DIRECT", "TRANSFORMATION", False),
        ],
        "paid": [("s", "status", "transformed", "INDIRECT", "FILTER", False)],
        "skus": [
            ("s", "added_at", "transformed", "INDIRECT", "SORT", False),
            ("s", "sku", "identity", "DIRECT", "AGGREGATION", False),
        ],
        "phone": [
            ("s", "blocked_phone", "transformed", "INDIRECT", "CONDITIONAL", False),
            ("s", "phone", "transformed", "DIRECT", "TRANSFORMATION", False),
        ],
    }


def test_a_column_both_tested_and_returned_is_direct():
    sql = "SELECT CASE WHEN email IS NULL THEN 'none' ELSE email END AS email FROM s"

    assert described(parse_statement(sql))["email"] == [
        ("s", "email", "transformed", "DIRECT", "TRANSFORMATION", False)
    ]


def test_percentile_within_group_orders_the_value_itself():
    sql = "SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY latency_ms) AS p90 FROM requests"

    assert described(parse_statement(sql, dialect="postgres"))["p90"] == [
        ("requests", "latency_ms", "aggregated", "DIRECT", "AGGREGATION", False)
    ]


def test_min_of_a_hashed_value_stays_hashed():
    sql = "SELECT MIN(SHA2(email)) AS k FROM s"

    assert described(parse_statement(sql))["k"] == [
        ("s", "email", "hashed", "DIRECT", "TRANSFORMATION", True)
    ]
