"""The scheduled jobs and ad-hoc queries that run in the demo account.

Each scheduled job repeats the same statement text hourly or daily, as Airflow and dbt
do. ``{ltv}`` stands for the lifetime-value table, renamed from ``ANALYTICS.CUST_LTV``
to ``ANALYTICS.CUSTOMER_LIFETIME_VALUE`` half-way through the history.

``lineage`` (target column -> source columns) is what Snowflake itself reports in
ACCESS_HISTORY.OBJECTS_MODIFIED ``directSources``; only some jobs carry it, as in real
accounts where it is absent for some statement kinds, so both lineage paths are exercised.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    """A scheduled statement: when it runs, who runs it, what it reads and writes."""

    name: str  # the Airflow/dbt task, carried in QUERY_TAG
    sql: str
    query_type: str
    target: str  # SCHEMA.TABLE; may contain {ltv}
    sources: tuple[str, ...]
    schedule: str = "daily"  # hourly | daily
    minute: int = 0  # minute past the hour (hourly) or minute of the day (daily)
    user: str = "AIRFLOW_SVC"
    role: str = "TRANSFORMER"
    schema: str = "STAGING"
    lineage: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _copy(table: str, *, schedule: str, minute: int) -> Job:
    return Job(
        name=f"load_{table.lower()}",
        sql=(
            f"COPY INTO RAW.{table} FROM @RAW.LANDING_STAGE/{table.lower()}/\n"
            "FILE_FORMAT = (TYPE = 'PARQUET') MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"
        ),
        query_type="COPY",
        target=f"RAW.{table}",
        sources=(),
        schedule=schedule,
        minute=minute,
        user="LOADER_SVC",
        role="LOADER",
        schema="RAW",
    )


LOAD_JOBS = [
    _copy("ORDERS", schedule="hourly", minute=5),
    _copy("WEB_EVENTS", schedule="hourly", minute=7),
] + [
    _copy(table, schedule="daily", minute=60 + 3 * index)
    for index, table in enumerate(
        (
            "CUSTOMERS",
            "ORDER_ITEMS",
            "PAYMENTS",
            "PRODUCTS",
            "INVOICES",
            "LEDGER_ENTRIES",
            "SUPPORT_TICKETS",
            "MARKETING_CAMPAIGNS",
            "EMAIL_EVENTS",
        )
    )
]

STAGING_JOBS = [
    Job(
        name="stg_customers",
        sql="""CREATE OR REPLACE TABLE STAGING.STG_CUSTOMERS AS
SELECT
    c.CUSTOMER_ID,
    INITCAP(c.FIRST_NAME) AS FIRST_NAME,
    INITCAP(c.LAST_NAME) AS LAST_NAME,
    c.EMAIL,
    c.PHONE,
    c.DATE_OF_BIRTH,
    c.CITY,
    UPPER(c.COUNTRY) AS COUNTRY,
    c.MARKETING_OPT_IN,
    c.CREATED_AT
FROM RAW.CUSTOMERS c
QUALIFY ROW_NUMBER() OVER (PARTITION BY c.CUSTOMER_ID ORDER BY c.UPDATED_AT DESC) = 1""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="STAGING.STG_CUSTOMERS",
        sources=("RAW.CUSTOMERS",),
        minute=2 * 60 + 10,
        lineage={
            column: (f"RAW.CUSTOMERS.{column}",)
            for column in (
                "CUSTOMER_ID",
                "FIRST_NAME",
                "LAST_NAME",
                "EMAIL",
                "PHONE",
                "DATE_OF_BIRTH",
                "CITY",
                "COUNTRY",
                "MARKETING_OPT_IN",
                "CREATED_AT",
            )
        },
    ),
    Job(
        name="stg_orders",
        sql="""MERGE INTO STAGING.STG_ORDERS t
USING (
    SELECT ORDER_ID, CUSTOMER_ID, ORDER_DATE, LOWER(STATUS) AS STATUS, TOTAL_AMOUNT, CURRENCY
    FROM RAW.ORDERS
    WHERE CREATED_AT >= DATEADD(hour, -2, CURRENT_TIMESTAMP())
) s
ON t.ORDER_ID = s.ORDER_ID
WHEN MATCHED THEN UPDATE SET t.STATUS = s.STATUS, t.TOTAL_AMOUNT = s.TOTAL_AMOUNT
WHEN NOT MATCHED THEN INSERT (ORDER_ID, CUSTOMER_ID, ORDER_DATE, STATUS, TOTAL_AMOUNT, CURRENCY)
    VALUES (s.ORDER_ID, s.CUSTOMER_ID, s.ORDER_DATE, s.STATUS, s.TOTAL_AMOUNT, s.CURRENCY)""",
        query_type="MERGE",
        target="STAGING.STG_ORDERS",
        sources=("RAW.ORDERS",),
        schedule="hourly",
        minute=15,
    ),
    Job(
        name="stg_payments",
        sql="""MERGE INTO "PROD_DB"."STAGING"."STG_PAYMENTS" AS t
USING "PROD_DB"."RAW"."PAYMENTS" AS s
ON t.PAYMENT_ID = s.PAYMENT_ID
WHEN MATCHED AND s.STATUS <> t.STATUS THEN UPDATE SET t.STATUS = s.STATUS
WHEN NOT MATCHED THEN INSERT
    (PAYMENT_ID, ORDER_ID, CUSTOMER_ID, AMOUNT, PAYMENT_METHOD, CARD_LAST4, STATUS, PAID_AT)
    VALUES (s.PAYMENT_ID, s.ORDER_ID, s.CUSTOMER_ID, s.AMOUNT, s.PAYMENT_METHOD, s.CARD_LAST4,
            s.STATUS, s.PAID_AT)""",
        query_type="MERGE",
        target="STAGING.STG_PAYMENTS",
        sources=("RAW.PAYMENTS",),
        schedule="hourly",
        minute=20,
    ),
    Job(
        name="stg_order_items",
        sql="""INSERT INTO STAGING.STG_ORDER_ITEMS
    (ORDER_ITEM_ID, ORDER_ID, PRODUCT_ID, PRODUCT_NAME, CATEGORY, QUANTITY, LINE_AMOUNT)
SELECT i.ORDER_ITEM_ID, i.ORDER_ID, i.PRODUCT_ID, p.PRODUCT_NAME, p.CATEGORY, i.QUANTITY,
       i.QUANTITY * i.UNIT_PRICE
FROM RAW.ORDER_ITEMS i
JOIN RAW.PRODUCTS p ON p.PRODUCT_ID = i.PRODUCT_ID""",
        query_type="INSERT",
        target="STAGING.STG_ORDER_ITEMS",
        sources=("RAW.ORDER_ITEMS", "RAW.PRODUCTS"),
        schedule="hourly",
        minute=25,
    ),
    Job(
        name="stg_web_sessions",
        sql="""INSERT INTO STAGING.STG_WEB_SESSIONS
    (SESSION_ID, CUSTOMER_ID, SESSION_START, SESSION_END, PAGE_VIEWS, IP_ADDRESS)
SELECT SESSION_ID, MAX(CUSTOMER_ID), MIN(EVENT_TIME), MAX(EVENT_TIME), COUNT(*), ANY_VALUE(IP_ADDRESS)
FROM RAW.WEB_EVENTS
WHERE EVENT_TIME >= DATEADD(hour, -1, CURRENT_TIMESTAMP())
GROUP BY SESSION_ID""",
        query_type="INSERT",
        target="STAGING.STG_WEB_SESSIONS",
        sources=("RAW.WEB_EVENTS",),
        schedule="hourly",
        minute=30,
    ),
    Job(
        name="stg_invoices",
        sql="""CREATE OR REPLACE TABLE STAGING.STG_INVOICES AS
SELECT INVOICE_ID, ORDER_ID, CUSTOMER_ID, INVOICE_DATE, AMOUNT_DUE, TAX_AMOUNT, BILLING_EMAIL,
       LOWER(STATUS) AS STATUS
FROM RAW.INVOICES""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="STAGING.STG_INVOICES",
        sources=("RAW.INVOICES",),
        minute=2 * 60 + 20,
    ),
    Job(
        name="stg_ledger_entries",
        sql="""INSERT INTO STAGING.STG_LEDGER_ENTRIES (ENTRY_ID, ACCOUNT_CODE, INVOICE_ID, AMOUNT, POSTED_DATE)
SELECT ENTRY_ID, ACCOUNT_CODE, INVOICE_ID, DEBIT - CREDIT, TO_DATE(POSTED_AT)
FROM RAW.LEDGER_ENTRIES
WHERE POSTED_AT >= DATEADD(day, -1, CURRENT_DATE())""",
        query_type="INSERT",
        target="STAGING.STG_LEDGER_ENTRIES",
        sources=("RAW.LEDGER_ENTRIES",),
        minute=2 * 60 + 30,
    ),
    Job(
        name="stg_support_tickets",
        sql="""CREATE OR REPLACE TABLE STAGING.STG_SUPPORT_TICKETS AS
SELECT TICKET_ID, CUSTOMER_ID,
       REGEXP_REPLACE(REQUESTER_EMAIL, '^[^@]+', '***') AS REQUESTER_EMAIL_MASKED,
       PRIORITY, STATUS, CREATED_AT, RESOLVED_AT
FROM RAW.SUPPORT_TICKETS""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="STAGING.STG_SUPPORT_TICKETS",
        sources=("RAW.SUPPORT_TICKETS",),
        minute=3 * 60,
    ),
    Job(
        name="stg_email_events",
        sql="""CREATE OR REPLACE TABLE STAGING.STG_EMAIL_EVENTS AS
SELECT SEND_ID, CAMPAIGN_ID, CUSTOMER_ID, LOWER(EVENT_TYPE) AS EVENT_TYPE, EVENT_TIME
FROM RAW.EMAIL_EVENTS""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="STAGING.STG_EMAIL_EVENTS",
        sources=("RAW.EMAIL_EVENTS",),
        minute=3 * 60 + 10,
    ),
]
