"""What each statement kind reads and writes, and how its columns map onto the target.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    ColumnLineage,
    ColumnUpstream,
    parse_statement,
)
from tests.graph.sql.support import described, lineage


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
            (
                ColumnUpstream(
                    "analytics.raw.customers", "email", "hashed", "DIRECT", "TRANSFORMATION", True
                ),
            ),
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


def test_plain_select_writes_nothing_and_its_result_columns_have_no_table():
    result = parse_statement(
        "WITH recent AS (SELECT * FROM `proj.ds.orders` WHERE day > '2026-01-01') "
        "SELECT r.id FROM recent r JOIN `proj.ds.users` u ON u.id = r.user_id",
        dialect="bigquery",
    )

    assert result.statement_type == "SELECT"
    assert result.in_tables == ("proj.ds.orders", "proj.ds.users")
    assert result.out_tables == ()
    assert result.column_lineage == (
        ColumnLineage(None, "id", (ColumnUpstream("proj.ds.orders", "id", "identity"),)),
    )


def test_unsupported_statements_are_other_without_error():
    result = parse_statement("GRANT SELECT ON TABLE t TO ROLE analyst")

    assert (result.statement_type, result.error, result.in_tables) == ("OTHER", None, ())


def test_clickhouse_materialized_view_writes_its_to_table():
    result = parse_statement(
        "CREATE MATERIALIZED VIEW a.mv TO a.daily AS SELECT toDate(ts) AS day, count() AS n "
        "FROM a.events GROUP BY day",
        dialect="clickhouse",
    )

    assert (result.in_tables, result.out_tables) == (("a.events",), ("a.daily",))
    assert lineage(result) == {"a.daily.day": [("a.events", "ts", "transformed")], "a.daily.n": []}


def test_clickhouse_dictionaries_are_inputs_and_their_attributes_upstreams():
    result = parse_statement(
        "SELECT dictGet('geo.countries', 'name', country_id) AS country FROM web.visits",
        dialect="clickhouse",
    )

    assert result.in_tables == ("geo.countries", "web.visits")
    assert described(result)["country"] == [
        ("geo.countries", "name", "identity", "DIRECT", "IDENTITY", False),
        ("web.visits", "country_id", "transformed", "INDIRECT", "JOIN", False),
    ]


@pytest.mark.parametrize(
    ("dialect", "sql", "inputs"),
    [
        (
            "bigquery",
            "SELECT * FROM ML.PREDICT(MODEL `p.ml.churn`, TABLE `p.ml.features`)",
            ("p.ml.churn", "p.ml.features"),
        ),
        (
            "bigquery",
            "SELECT * FROM ML.PREDICT(MODEL `p.ml.churn`, (SELECT * FROM `p.ml.features`))",
            ("p.ml.churn", "p.ml.features"),
        ),
        (
            "snowflake",
            "SELECT * FROM SEMANTIC_VIEW(db.sem.sales METRICS orders.revenue)",
            ("db.sem.sales",),
        ),
    ],
)
def test_table_arguments_of_table_functions_are_inputs(dialect, sql, inputs):
    assert parse_statement(sql, dialect=dialect).in_tables == inputs


def test_cache_table_is_a_table_written_for_the_session():
    result = parse_statement(
        "CACHE TABLE hot AS SELECT id FROM main.s.orders", dialect="databricks"
    )

    assert (result.statement_type, result.out_tables, result.temporary) == (
        "CTAS",
        ("hot",),
        ("hot",),
    )
    assert lineage(result) == {"hot.id": [("main.s.orders", "id", "identity")]}


def test_redshift_unload_writes_the_location_column_by_column():
    result = parse_statement(
        "UNLOAD ('SELECT id, email FROM public.users WHERE x = ''y''') TO 's3://b/users/' "
        "IAM_ROLE 'arn:aws:iam::1:role/r'",
        dialect="redshift",
    )

    assert (result.in_tables, result.out_tables) == (("public.users",), ("s3://b/users/",))
    assert lineage(result)["s3://b/users/.email"] == [("public.users", "email", "identity")]


def test_tsql_output_into_writes_the_audit_table_too():
    result = parse_statement(
        "DELETE FROM dbo.Sessions OUTPUT deleted.UserID, deleted.StartedAt "
        "INTO dbo.SessionArchive (UserID, StartedAt) WHERE StartedAt < '2026-01-01'",
        dialect="tsql",
    )

    assert result.out_tables == ("dbo.sessions", "dbo.sessionarchive")
    assert lineage(result) == {
        "dbo.sessionarchive.userid": [("dbo.sessions", "userid", "identity")],
        "dbo.sessionarchive.startedat": [("dbo.sessions", "startedat", "identity")],
    }


def test_delete_reads_what_decides_the_rows():
    result = parse_statement(
        "DELETE FROM mart.orders WHERE customer_id IN (SELECT id FROM crm.blocked)"
    )

    assert (result.in_tables, result.out_tables) == (("crm.blocked",), ("mart.orders",))


def test_a_snowflake_task_has_the_lineage_of_its_statement():
    result = parse_statement(
        "CREATE OR REPLACE TASK ops.load_orders WAREHOUSE = etl SCHEDULE = '5 MINUTE' "
        "AS INSERT INTO mart.orders SELECT id, amount FROM raw.orders"
    )

    assert (result.statement_type, result.in_tables, result.out_tables) == (
        "INSERT",
        ("raw.orders",),
        ("mart.orders",),
    )


def test_bigquery_export_data_writes_the_files():
    result = parse_statement(
        "EXPORT DATA OPTIONS (uri = 'gs://exports/users/*.csv', format = 'CSV') AS "
        "SELECT id, email FROM `p.crm.users`",
        dialect="bigquery",
    )

    assert (result.in_tables, result.out_tables) == (
        ("p.crm.users",),
        ("gs://exports/users/*.csv",),
    )
    assert lineage(result)["gs://exports/users/*.csv.email"] == [
        ("p.crm.users", "email", "identity")
    ]


def test_files_read_by_table_functions_are_inputs():
    result = parse_statement(
        "CREATE TABLE t AS SELECT * FROM read_parquet('s3://lake/events/*.parquet')",
        dialect="duckdb",
    )

    assert result.in_tables == ("s3://lake/events/*.parquet",)


def test_statements_kept_as_opaque_text_are_other_without_error():
    result = parse_statement("CREATE OR REPLACE STREAM s ON TABLE a.b.t")

    assert (result.statement_type, result.error) == ("OTHER", None)
