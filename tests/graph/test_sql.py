"""SQL → lineage: statement kinds, dialects, name qualification, transforms, errors, cache.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    ColumnLineage,
    ColumnUpstream,
    LineageParser,
    ParseResult,
    fingerprint,
    parse_statement,
)


def lineage(result: ParseResult) -> dict[str, list[tuple[str, str, str]]]:
    """`{"table.column": [(upstream table, column, transform), …]}` for compact asserts."""
    assert result.error is None, result.error
    return {
        f"{item.table}.{item.column}": [(u.table, u.column, u.transform) for u in item.upstreams]
        for item in result.column_lineage
    }


def upstreams_of(sql: str, column: str, **kwargs) -> list[tuple[str, str, str]]:
    """Upstreams of one downstream column (`table.column`) of a statement."""
    return lineage(parse_statement(sql, **kwargs))[column]


# --- statement kinds -------------------------------------------------------------------


def test_insert_select_with_column_list_maps_by_position():
    result = parse_statement(
        "INSERT INTO analytics.mart.customers (customer_id, email_hash) "
        "SELECT c.id, SHA2(c.email) FROM analytics.raw.customers c WHERE c.active",
        dialect="snowflake",
    )

    assert result.statement_type == "INSERT"
    assert result.in_tables == ("analytics.raw.customers",)
    assert result.out_tables == ("analytics.mart.customers",)
    assert result.column_lineage == (
        ColumnLineage(
            "analytics.mart.customers",
            "customer_id",
            (ColumnUpstream("analytics.raw.customers", "id", "identity"),),
        ),
        ColumnLineage(
            "analytics.mart.customers",
            "email_hash",
            (ColumnUpstream("analytics.raw.customers", "email", "hashed"),),
        ),
    )


def test_insert_select_without_column_list_uses_output_names():
    result = parse_statement(
        "INSERT INTO reporting.daily SELECT order_day, amount AS revenue FROM public.orders",
        dialect="postgres",
    )

    assert lineage(result) == {
        "reporting.daily.order_day": [("public.orders", "order_day", "identity")],
        "reporting.daily.revenue": [("public.orders", "amount", "identity")],
    }


def test_insert_without_column_list_uses_target_columns_from_schema_by_position():
    schema = {"db.s.target": {"a": "int", "b": "int"}}

    result = parse_statement("INSERT INTO db.s.target SELECT x, y FROM db.s.source", schema=schema)

    assert lineage(result) == {
        "db.s.target.a": [("db.s.source", "x", "identity")],
        "db.s.target.b": [("db.s.source", "y", "identity")],
    }


def test_insert_overwrite_databricks():
    result = parse_statement(
        "INSERT OVERWRITE main.gold.sales SELECT region, sum(amount) AS total "
        "FROM main.silver.sales GROUP BY region",
        dialect="databricks",
    )

    assert result.out_tables == ("main.gold.sales",)
    assert lineage(result)["main.gold.sales.total"] == [
        ("main.silver.sales", "amount", "aggregated")
    ]


def test_insert_values_writes_the_table_without_column_lineage():
    result = parse_statement("INSERT INTO t VALUES (1, 'a'), (2, 'b')")

    assert (result.statement_type, result.in_tables, result.out_tables) == ("INSERT", (), ("t",))
    assert result.column_lineage == ()


def test_snowflake_multi_table_insert():
    result = parse_statement(
        "INSERT ALL INTO t1 (a) VALUES (x) INTO t2 (b) VALUES (MD5(y)) SELECT x, y FROM s"
    )

    assert result.out_tables == ("t1", "t2")
    assert lineage(result) == {
        "t1.a": [("s", "x", "identity")],
        "t2.b": [("s", "y", "hashed")],
    }


def test_hive_from_first_insert():
    result = parse_statement(
        "FROM raw.events e INSERT OVERWRITE TABLE mart.clicks SELECT e.user_id, e.url",
        dialect="hive",
    )

    assert (result.in_tables, result.out_tables) == (("raw.events",), ("mart.clicks",))
    assert lineage(result)["mart.clicks.url"] == [("raw.events", "url", "identity")]


def test_ctas_through_a_cte_chain():
    result = parse_statement(
        "CREATE OR REPLACE TABLE mart.users AS "
        "WITH base AS (SELECT id, email, country FROM raw.users WHERE deleted = FALSE), "
        "enriched AS (SELECT b.id, b.email, r.region FROM base b JOIN ref.regions r "
        "ON r.country = b.country) "
        "SELECT id, email, region FROM enriched",
        dialect="snowflake",
    )

    assert result.statement_type == "CTAS"
    assert result.in_tables == ("raw.users", "ref.regions")
    assert lineage(result) == {
        "mart.users.id": [("raw.users", "id", "identity")],
        "mart.users.email": [("raw.users", "email", "identity")],
        "mart.users.region": [("ref.regions", "region", "identity")],
    }


def test_select_into_is_a_ctas_in_tsql():
    result = parse_statement(
        "SELECT o.Id, o.Total INTO dbo.BigOrders FROM dbo.Orders o WHERE o.Total > 100",
        dialect="mssql",
    )

    assert (result.statement_type, result.out_tables) == ("CTAS", ("dbo.bigorders",))
    assert lineage(result)["dbo.bigorders.total"] == [("dbo.orders", "total", "identity")]


def test_create_view_with_column_list_maps_by_position():
    result = parse_statement(
        "CREATE OR REPLACE VIEW v_users (user_id, mail) AS SELECT id, email FROM users",
        dialect="postgres",
        default_schema="public",
    )

    assert (result.statement_type, result.out_tables) == ("VIEW", ("public.v_users",))
    assert lineage(result) == {
        "public.v_users.user_id": [("public.users", "id", "identity")],
        "public.v_users.mail": [("public.users", "email", "identity")],
    }


def test_materialized_view_is_a_view():
    result = parse_statement(
        "CREATE MATERIALIZED VIEW mv_revenue AS "
        "SELECT region, SUM(amount) AS total FROM sales GROUP BY region",
        dialect="snowflake",
    )

    assert result.statement_type == "VIEW"
    assert lineage(result)["mv_revenue.total"] == [("sales", "amount", "aggregated")]


def test_create_table_clone_copies_columns_known_from_schema():
    result = parse_statement(
        "CREATE TABLE db.s.users_backup CLONE db.s.users",
        schema={"DB.S.USERS": {"ID": "number", "EMAIL": "varchar"}},
    )

    assert (result.statement_type, result.in_tables) == ("CTAS", ("db.s.users",))
    assert lineage(result)["db.s.users_backup.email"] == [("db.s.users", "email", "identity")]


def test_merge_maps_update_and_insert_clauses_from_a_subquery_source():
    result = parse_statement(
        "MERGE INTO core.customers tgt "
        "USING (SELECT id, email, name FROM stage.customers_delta WHERE batch = 7) src "
        "ON tgt.id = src.id "
        "WHEN MATCHED AND src.op = 'D' THEN DELETE "
        "WHEN MATCHED THEN UPDATE SET tgt.email = src.email, tgt.name = UPPER(src.name) "
        "WHEN NOT MATCHED THEN INSERT (id, email, name) VALUES (src.id, SHA2(src.email), src.name)",
        dialect="snowflake",
    )

    assert result.statement_type == "MERGE"
    assert result.in_tables == ("stage.customers_delta",)
    assert result.out_tables == ("core.customers",)
    # Each column arrives through both clauses; the least-masked path is what lands.
    assert lineage(result) == {
        "core.customers.email": [("stage.customers_delta", "email", "identity")],
        "core.customers.name": [("stage.customers_delta", "name", "identity")],
        "core.customers.id": [("stage.customers_delta", "id", "identity")],
    }


def test_merge_using_a_table_drops_a_column_feeding_itself():
    result = parse_statement(
        "MERGE INTO public.balances AS b USING public.payments AS p ON b.account = p.account "
        "WHEN MATCHED THEN UPDATE SET total = b.total + p.amount",
        dialect="postgres",
    )

    assert lineage(result) == {
        "public.balances.total": [("public.payments", "amount", "transformed")]
    }


def test_merge_star_clauses_map_source_columns_by_name():
    result = parse_statement(
        "MERGE INTO silver.t USING bronze.t_updates AS s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
        dialect="databricks",
        schema={"bronze.t_updates": {"id": "int", "v": "string"}},
    )

    assert lineage(result) == {
        "silver.t.id": [("bronze.t_updates", "id", "identity")],
        "silver.t.v": [("bronze.t_updates", "v", "identity")],
    }


def test_merge_with_only_a_delete_clause_still_reads_its_source():
    result = parse_statement(
        "MERGE INTO core.users u USING stage.deletions d ON u.id = d.id WHEN MATCHED THEN DELETE"
    )

    assert (result.in_tables, result.out_tables, result.column_lineage) == (
        ("stage.deletions",),
        ("core.users",),
        (),
    )


def test_bigquery_merge_insert_row_maps_source_columns_by_name():
    result = parse_statement(
        "MERGE ds.customers T USING ds.customers_new S ON T.id = S.id "
        "WHEN NOT MATCHED THEN INSERT ROW",
        dialect="bigquery",
        schema={"ds.customers_new": {"id": "INT64", "email": "STRING"}},
    )

    assert lineage(result) == {
        "ds.customers.id": [("ds.customers_new", "id", "identity")],
        "ds.customers.email": [("ds.customers_new", "email", "identity")],
    }


def test_update_set_from_postgres():
    result = parse_statement(
        "UPDATE public.accounts AS a SET score = s.score * 2, note = 'rescored' "
        "FROM staging.scores s WHERE s.id = a.id",
        dialect="postgres",
    )

    assert (result.statement_type, result.in_tables, result.out_tables) == (
        "UPDATE",
        ("staging.scores",),
        ("public.accounts",),
    )
    assert lineage(result) == {
        "public.accounts.score": [("staging.scores", "score", "transformed")],
        "public.accounts.note": [],
    }


def test_update_through_an_alias_in_tsql():
    result = parse_statement(
        "UPDATE x SET x.Total = s.Total FROM dbo.Orders AS x JOIN staging.Totals s ON s.Id = x.Id",
        dialect="mssql",
    )

    assert result.out_tables == ("dbo.orders",)
    assert lineage(result) == {"dbo.orders.total": [("staging.totals", "total", "identity")]}


def test_copy_into_a_table_from_a_stage():
    result = parse_statement(
        "COPY INTO raw.events FROM @landing/events/2026/ FILE_FORMAT = (TYPE = 'PARQUET')",
        dialect="snowflake",
        default_db="analytics",
        default_schema="raw",
    )

    assert result.statement_type == "COPY"
    assert result.in_tables == ("@analytics.raw.landing",)
    assert result.out_tables == ("analytics.raw.events",)


def test_copy_from_s3_in_redshift_keeps_the_location():
    result = parse_statement(
        "COPY raw.events FROM 's3://bucket/events/' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS PARQUET",
        dialect="redshift",
    )

    assert (result.in_tables, result.out_tables) == (("s3://bucket/events/",), ("raw.events",))


def test_copy_unload_reads_the_table_and_writes_the_stage():
    result = parse_statement("COPY INTO @exports/users FROM (SELECT id, email FROM core.users)")

    assert (result.in_tables, result.out_tables) == (("core.users",), ("@exports",))


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        ("snowflake", "ALTER TABLE db.s.orders_new RENAME TO orders", "db.s.orders"),
        (
            "snowflake",
            "ALTER TABLE db.s.orders_new RENAME TO db.archive.orders",
            "db.archive.orders",
        ),
        ("postgres", "ALTER TABLE public.orders_new RENAME TO orders", "public.orders"),
    ],
)
def test_alter_table_rename(dialect, sql, expected):
    old = "db.s.orders_new" if dialect == "snowflake" else "public.orders_new"

    result = parse_statement(sql, dialect=dialect)

    assert (result.statement_type, result.renames) == ("RENAME", ((old, expected),))
    assert (result.in_tables, result.out_tables) == ((old,), (expected,))


def test_alter_table_swap_renames_both_ways():
    result = parse_statement("ALTER TABLE orders SWAP WITH orders_staging", default_schema="s")

    assert result.statement_type == "SWAP"
    assert result.out_tables == ("s.orders", "s.orders_staging")
    assert result.renames == (("s.orders", "s.orders_staging"), ("s.orders_staging", "s.orders"))


def test_other_alter_statements_are_alter():
    result = parse_statement("ALTER TABLE orders ADD COLUMN note VARCHAR", dialect="postgres")

    assert (result.statement_type, result.out_tables, result.renames) == ("ALTER", ("orders",), ())


def test_drop_lists_the_dropped_tables():
    result = parse_statement(
        "DROP TABLE IF EXISTS tmp_a, tmp_b", default_db="db", default_schema="s"
    )

    assert (result.statement_type, result.out_tables) == ("DROP", ("db.s.tmp_a", "db.s.tmp_b"))


def test_plain_select_reports_only_what_it_reads():
    result = parse_statement(
        "WITH recent AS (SELECT * FROM `proj.ds.orders` WHERE day > '2026-01-01') "
        "SELECT r.id FROM recent r JOIN `proj.ds.users` u ON u.id = r.user_id",
        dialect="bigquery",
    )

    assert result.statement_type == "SELECT"
    assert result.in_tables == ("proj.ds.orders", "proj.ds.users")
    assert (result.out_tables, result.column_lineage) == ((), ())


def test_transaction_wrappers_around_one_statement_are_ignored():
    result = parse_statement("BEGIN; INSERT INTO t SELECT a FROM s; COMMIT;")

    assert (result.statement_type, result.in_tables, result.out_tables) == (
        "INSERT",
        ("s",),
        ("t",),
    )


# --- query shapes ----------------------------------------------------------------------


def test_union_collects_every_branch_and_keeps_the_least_masked_path():
    result = parse_statement(
        "CREATE VIEW contacts AS SELECT email FROM crm.leads "
        "UNION ALL SELECT SHA2(email) FROM crm.customers "
        "UNION SELECT SHA2(email) FROM crm.leads",
        dialect="snowflake",
    )

    assert lineage(result)["contacts.email"] == [
        ("crm.customers", "email", "hashed"),
        ("crm.leads", "email", "identity"),
    ]


def test_window_functions_take_values_not_partition_or_order_columns():
    result = parse_statement(
        "CREATE TABLE w AS SELECT id, "
        "SUM(amount) OVER (PARTITION BY region ORDER BY ts) AS running_total, "
        "LAG(email) OVER (PARTITION BY region ORDER BY ts) AS previous_email, "
        "ROW_NUMBER() OVER (PARTITION BY region ORDER BY ts) AS rn FROM orders",
        dialect="databricks",
    )

    assert lineage(result) == {
        "w.id": [("orders", "id", "identity")],
        "w.running_total": [("orders", "amount", "aggregated")],
        "w.previous_email": [("orders", "email", "identity")],
        "w.rn": [],
    }


@pytest.mark.parametrize(
    ("dialect", "y_upstreams"),
    [
        ("snowflake", [("s", "amount", "transformed")]),  # y reuses the alias x
        ("postgres", [("s", "x", "transformed")]),  # no lateral aliases: x is a column of s
    ],
)
def test_lateral_column_aliases_follow_the_dialect(dialect, y_upstreams):
    sql = "INSERT INTO t SELECT amount * 2 AS x, x + 1 AS y FROM s"

    assert upstreams_of(sql, "t.y", dialect=dialect) == y_upstreams


def test_a_source_column_wins_over_an_alias_of_the_same_name():
    sql = "INSERT INTO t SELECT SHA2(email) AS email, email AS raw_email FROM s"

    assert lineage(parse_statement(sql, dialect="snowflake")) == {
        "t.email": [("s", "email", "hashed")],
        "t.raw_email": [("s", "email", "identity")],
    }


def test_where_join_and_group_by_columns_are_not_lineage():
    result = parse_statement(
        "INSERT INTO t SELECT c.name, COUNT(o.id) AS orders FROM customers c "
        "JOIN orders o ON o.customer_id = c.id WHERE o.status = 'paid' GROUP BY c.name, c.region"
    )

    assert lineage(result) == {
        "t.name": [("customers", "name", "identity")],
        "t.orders": [("orders", "id", "aggregated")],
    }


def test_scalar_subquery_in_the_select_list():
    result = parse_statement(
        "INSERT INTO t SELECT c.name, "
        "(SELECT MAX(o.amount) FROM orders o WHERE o.customer_id = c.id) AS biggest FROM customers c"
    )

    assert result.in_tables == ("customers", "orders")
    assert lineage(result)["t.biggest"] == [("orders", "amount", "aggregated")]


def test_unnest_and_lateral_flatten_trace_to_the_array_column():
    postgres = parse_statement(
        "CREATE TABLE t AS SELECT u.id, e.email FROM users u, UNNEST(u.emails) AS e(email)",
        dialect="postgres",
    )
    snowflake = parse_statement(
        "CREATE TABLE t AS SELECT f.value:email::string AS email "
        "FROM raw.events e, LATERAL FLATTEN(input => e.payload) f"
    )

    assert lineage(postgres)["t.email"] == [("users", "emails", "identity")]
    assert lineage(snowflake)["t.email"] == [("raw.events", "payload", "transformed")]


def test_select_star_is_expanded_from_a_schema_with_keys_in_any_case():
    schema = {"ANALYTICS.RAW.Users": {"ID": "NUMBER", "Email": "VARCHAR"}}

    result = parse_statement(
        "CREATE TABLE mart.users AS SELECT * FROM raw.users",
        default_db="analytics",
        schema=schema,
    )

    assert lineage(result) == {
        "analytics.mart.users.id": [("analytics.raw.users", "id", "identity")],
        "analytics.mart.users.email": [("analytics.raw.users", "email", "identity")],
    }


def test_select_star_without_schema_gives_tables_but_no_columns():
    result = parse_statement("INSERT INTO t (a, b) SELECT * FROM s")

    assert (result.in_tables, result.out_tables, result.column_lineage) == (("s",), ("t",), ())


def test_schema_resolves_unqualified_columns_of_a_join():
    sql = "INSERT INTO t SELECT name, amount FROM customers c JOIN orders o ON o.cid = c.id"
    schema = {"customers": {"id": "int", "name": "text"}, "orders": {"cid": "int", "amount": "int"}}

    without_schema = parse_statement(sql)
    with_schema = parse_statement(sql, schema=schema)

    assert lineage(without_schema) == {"t.name": [], "t.amount": []}
    assert lineage(with_schema) == {
        "t.name": [("customers", "name", "identity")],
        "t.amount": [("orders", "amount", "identity")],
    }


# --- names -----------------------------------------------------------------------------


def test_quoted_and_unquoted_identifiers_are_lower_cased():
    result = parse_statement(
        'CREATE TABLE "Sales"."Summary" AS SELECT "CustomerId", "Email" AS "Mail" FROM "Sales"."Orders"',
        dialect="snowflake",
    )

    assert result.out_tables == ("sales.summary",)
    assert lineage(result) == {
        "sales.summary.customerid": [("sales.orders", "customerid", "identity")],
        "sales.summary.mail": [("sales.orders", "email", "identity")],
    }


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("orders", "prod.sales.orders"),
        ("other.orders", "prod.other.orders"),
        ("x.y.orders", "x.y.orders"),
    ],
)
def test_defaults_fill_only_the_missing_parts(table, expected):
    result = parse_statement(f"SELECT id FROM {table}", default_db="PROD", default_schema="Sales")

    assert result.in_tables == (expected,)


def test_default_database_needs_a_schema_to_attach_to():
    result = parse_statement("SELECT id FROM orders", default_db="prod")

    assert result.in_tables == ("orders",)


def test_tsql_brackets_and_temp_tables():
    result = parse_statement(
        "SELECT [Id], [Email] INTO #staging FROM [Sales].[dbo].[Customers]", dialect="mssql"
    )

    assert result.out_tables == ("#staging",)
    assert result.in_tables == ("sales.dbo.customers",)


@pytest.mark.parametrize(
    "dialect",
    [
        "snowflake", "postgres", "bigquery", "redshift", "databricks", "mssql", "mysql", "oracle",
        "clickhouse", "hive", "teradata", "sqlite", "duckdb", "spark", "trino", "presto",
    ],
)  # fmt: skip
def test_every_platform_dialect_is_accepted(dialect):
    result = parse_statement("INSERT INTO s.t (a) SELECT b FROM s.u", dialect=dialect)

    assert lineage(result) == {"s.t.a": [("s.u", "b", "identity")]}


# --- transforms ------------------------------------------------------------------------


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
    "expression",
    ["SUM(amount)", "COUNT(amount)", "AVG(amount)", "MAX(amount)", "LISTAGG(amount, ',')",
     "ARRAY_AGG(amount)", "APPROX_COUNT_DISTINCT(amount)"],
)  # fmt: skip
def test_aggregates_are_aggregated(expression):
    sql = f"INSERT INTO t (x) SELECT {expression} FROM s GROUP BY region"

    assert upstreams_of(sql, "t.x") == [("s", "amount", "aggregated")]


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


# --- errors ----------------------------------------------------------------------------


def test_parse_errors_are_reported_not_raised():
    result = parse_statement("SELECT * FROM WHERE x = 1", dialect="postgres")

    assert result.error == "could not parse: Expected table name but got 'WHERE' at line 1, col 19"
    assert (result.in_tables, result.out_tables, result.column_lineage) == ((), (), ())


def test_unknown_dialect_is_named_in_the_error():
    result = parse_statement("SELECT 1", dialect="db2")

    assert result.error.startswith("unknown dialect 'db2'")


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("", "empty statement: nothing to parse"),
        ("-- only a comment", "empty statement: nothing to parse"),
        ("SELECT 1; SELECT 2", "expected one statement, got 2"),
        (None, "sql must be a string, not NoneType"),
    ],
)
def test_statement_count_and_type_errors(sql, error):
    assert parse_statement(sql).error == error


def test_unsupported_statements_are_other_without_error():
    result = parse_statement("GRANT SELECT ON TABLE t TO ROLE analyst")

    assert (result.statement_type, result.error, result.in_tables) == ("OTHER", None, ())


# --- fingerprint and cache -------------------------------------------------------------


def test_fingerprint_ignores_literals_comments_whitespace_and_keyword_case():
    first = "SELECT * FROM t WHERE id = 42 AND day = '2026-01-01' -- nightly\n"
    second = "select *\n  from T /* run 7 */ where ID = 7 and DAY = '2026-02-02'"

    assert fingerprint(first, "snowflake") == fingerprint(second, "snowflake")
    assert fingerprint(first, "snowflake") != fingerprint(
        "SELECT * FROM u WHERE id = 1", "snowflake"
    )


def test_fingerprint_keeps_quoted_identifiers_and_mask_literals_apart():
    assert fingerprint('SELECT "Id" FROM t', "postgres") != fingerprint(
        'SELECT "ID" FROM t', "postgres"
    )
    assert fingerprint("SELECT CONCAT('***', ssn) FROM t", "snowflake") != fingerprint(
        "SELECT CONCAT('abc', ssn) FROM t", "snowflake"
    )


def test_cache_hits_on_statements_differing_only_in_literals():
    parser = LineageParser()
    template = (
        "INSERT INTO mart.daily SELECT id, SUM(x) AS total FROM raw.e WHERE day = '{}' GROUP BY id"
    )

    first = parser.parse(template.format("2026-01-01"), dialect="snowflake")
    second = parser.parse(template.format("2026-01-02"), dialect="snowflake")

    assert (parser.cache_misses, parser.cache_hits) == (1, 1)
    assert second == first
    assert lineage(second)["mart.daily.total"] == [("raw.e", "x", "aggregated")]


def test_cache_key_includes_dialect_defaults_and_schema():
    parser = LineageParser()
    sql = "SELECT * FROM orders"

    parser.parse(sql, dialect="snowflake")
    parser.parse(sql, dialect="postgres")
    qualified = parser.parse(sql, dialect="snowflake", default_schema="sales")
    parser.parse(sql, dialect="snowflake", schema={"orders": {"id": "int"}})

    assert (parser.cache_misses, parser.cache_hits) == (4, 0)
    assert qualified.in_tables == ("sales.orders",)


def test_cache_evicts_the_least_recently_used_statement():
    parser = LineageParser(cache_size=2)
    for table in ("a", "b", "a", "c", "a", "b"):
        parser.parse(f"SELECT 1 FROM {table}", dialect="snowflake")

    # a miss, b miss, a hit, c miss (evicts b), a hit, b miss
    assert (parser.cache_misses, parser.cache_hits) == (4, 2)


def test_cached_parser_reports_errors_too():
    parser = LineageParser()

    result = parser.parse("SELECT FROM", dialect="nope")

    assert result.error.startswith("unknown dialect 'nope'")


def test_create_or_replace_maps_columns_by_name_not_by_the_old_table_order():
    # The schema knows the table's previous column order; the new query reorders them.
    schema = {"db.s.contacts": {"full_name": "varchar", "email": "varchar"}}
    result = parse_statement(
        "CREATE OR REPLACE TABLE db.s.contacts AS SELECT email, full_name FROM db.s.customers",
        dialect="snowflake",
        schema=schema,
    )
    mapped = {
        lineage.column: tuple(up.column for up in lineage.upstreams)
        for lineage in result.column_lineage
    }
    assert mapped == {"email": ("email",), "full_name": ("full_name",)}


def test_an_exact_repeat_is_answered_from_the_cache():
    parser = LineageParser()
    sql = "INSERT INTO db.s.t SELECT SHA2(email) AS e FROM db.s.customers"

    first = parser.parse(sql, dialect="snowflake")
    again = parser.parse(sql, dialect="snowflake")
    other_defaults = parser.parse(sql, dialect="snowflake", default_db="db")

    assert again is first and (parser.cache_hits, parser.cache_misses) == (1, 2)
    assert other_defaults is not first
