"""Ad-hoc statements of the demo account: analysts' queries, admin DDL, a broken job.

Analysts' SELECTs (and their session temporary tables) must be filtered out of lineage,
but who read what still counts: the marketing user reading MARTS.MARKETING_EXPORT is
the evidence an auditor wants next to the unmasked e-mail path.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AdHoc:
    """A statement run by a person (or BI tool), not by a scheduler."""

    sql: str
    query_type: str
    user: str
    role: str
    schema: str = "MARTS"
    reads: tuple[str, ...] = ()  # SCHEMA.TABLE; may contain {ltv}
    target: str | None = None  # SCHEMA.TABLE written, if any
    after_rename: bool | None = None  # None: any time; else only before/after the rename
    warehouse: str = "ANALYST_WH"


ANALYST_QUERIES = [
    AdHoc(
        "SELECT KPI_DATE, GROSS_REVENUE, ORDER_COUNT FROM PROD_DB.MARTS.FINANCE_KPIS\n"
        "WHERE KPI_DATE >= DATEADD(day, -30, CURRENT_DATE()) ORDER BY KPI_DATE",
        "SELECT",
        "LOOKER_SVC",
        "REPORTING",
        reads=("MARTS.FINANCE_KPIS",),
        warehouse="BI_WH",
    ),
    AdHoc(
        "SELECT WEEK_START, PRIORITY, TICKETS FROM MARTS.SUPPORT_DASHBOARD ORDER BY WEEK_START DESC",
        "SELECT",
        "LOOKER_SVC",
        "REPORTING",
        reads=("MARTS.SUPPORT_DASHBOARD",),
        warehouse="BI_WH",
    ),
    AdHoc(
        "SELECT CAMPAIGN_NAME, SENDS, OPENS, CLICKS FROM CAMPAIGN_PERFORMANCE ORDER BY CLICKS DESC",
        "SELECT",
        "LOOKER_SVC",
        "REPORTING",
        reads=("MARTS.CAMPAIGN_PERFORMANCE",),
        warehouse="BI_WH",
    ),
    AdHoc(
        "SELECT EMAIL, FIRST_NAME, COUNTRY FROM MARTS.MARKETING_EXPORT WHERE LIFETIME_VALUE > 500",
        "SELECT",
        "MARY_MARKETING",
        "MARKETING",
        reads=("MARTS.MARKETING_EXPORT",),
    ),
    AdHoc(
        "SELECT COUNTRY, COUNT(*) AS CONTACTS FROM MARKETING_EXPORT GROUP BY COUNTRY",
        "SELECT",
        "MARY_MARKETING",
        "MARKETING",
        reads=("MARTS.MARKETING_EXPORT",),
    ),
    AdHoc(
        "SELECT SEGMENT, COUNT(*), AVG(LIFETIME_VALUE) FROM MARTS.CUSTOMER_SEGMENTS GROUP BY SEGMENT",
        "SELECT",
        "ALICE_ANALYST",
        "ANALYST",
        reads=("MARTS.CUSTOMER_SEGMENTS",),
    ),
    AdHoc(
        "SELECT * FROM ANALYTICS.DIM_CUSTOMERS LIMIT 100",
        "SELECT",
        "ALICE_ANALYST",
        "ANALYST",
        schema="ANALYTICS",
        reads=("ANALYTICS.DIM_CUSTOMERS",),
    ),
    AdHoc(
        "SELECT EMAIL, PHONE FROM RAW.CUSTOMERS WHERE CUSTOMER_ID = 4211",
        "SELECT",
        "ALICE_ANALYST",
        "ANALYST",
        schema="RAW",
        reads=("RAW.CUSTOMERS",),
    ),
    AdHoc(
        "SELECT ORDER_DATE, SUM(ORDER_TOTAL) FROM ANALYTICS.FCT_ORDERS GROUP BY 1 ORDER BY 1",
        "SELECT",
        "BOB_ANALYST",
        "ANALYST",
        schema="ANALYTICS",
        reads=("ANALYTICS.FCT_ORDERS",),
    ),
    AdHoc(
        "SELECT CUSTOMER_ID, LIFETIME_VALUE FROM ANALYTICS.{ltv} ORDER BY LIFETIME_VALUE DESC LIMIT 50",
        "SELECT",
        "BOB_ANALYST",
        "ANALYST",
        schema="ANALYTICS",
        reads=("ANALYTICS.{ltv}",),
    ),
    AdHoc(
        "SELECT * FROM MARTS.V_ACTIVE_CUSTOMERS WHERE COUNTRY = 'DE'",
        "SELECT",
        "BOB_ANALYST",
        "ANALYST",
        reads=("MARTS.V_ACTIVE_CUSTOMERS",),
        after_rename=True,
    ),
    AdHoc(
        "SELECT ACCOUNT_CODE, BALANCE FROM ANALYTICS.FCT_LEDGER_BALANCES\n"
        "WHERE BALANCE_DATE = DATEADD(day, -1, CURRENT_DATE())",
        "SELECT",
        "FRANK_FINANCE",
        "FINANCE",
        schema="ANALYTICS",
        reads=("ANALYTICS.FCT_LEDGER_BALANCES",),
    ),
    AdHoc(
        "SELECT INVOICE_ID, BILLING_EMAIL, AMOUNT_DUE FROM STAGING.STG_INVOICES WHERE STATUS = 'open'",
        "SELECT",
        "FRANK_FINANCE",
        "FINANCE",
        schema="STAGING",
        reads=("STAGING.STG_INVOICES",),
    ),
    AdHoc("SHOW TABLES IN SCHEMA PROD_DB.MARTS", "SHOW", "ALICE_ANALYST", "ANALYST"),
    AdHoc("USE WAREHOUSE ANALYST_WH", "USE", "BOB_ANALYST", "ANALYST"),
    AdHoc("DESCRIBE TABLE MARTS.MARKETING_EXPORT", "DESCRIBE", "MARY_MARKETING", "MARKETING"),
]

# A session temporary table and what the analyst then does with it: all filtered out.
TEMP_SESSIONS = [
    (
        AdHoc(
            "CREATE TEMPORARY TABLE TMP_CHURN_RISK AS\n"
            "SELECT CUSTOMER_ID, LIFETIME_VALUE FROM ANALYTICS.{ltv}\n"
            "WHERE LAST_ORDER_DATE < DATEADD(day, -60, CURRENT_DATE())",
            "CREATE_TABLE_AS_SELECT",
            "ALICE_ANALYST",
            "ANALYST",
            schema="ANALYTICS",
            reads=("ANALYTICS.{ltv}",),
            target="ANALYTICS.TMP_CHURN_RISK",
        ),
        AdHoc(
            "INSERT INTO TMP_CHURN_RISK SELECT CUSTOMER_ID, LIFETIME_VALUE FROM MARTS.CUSTOMER_SEGMENTS\n"
            "WHERE SEGMENT = 'vip'",
            "INSERT",
            "ALICE_ANALYST",
            "ANALYST",
            schema="ANALYTICS",
            reads=("MARTS.CUSTOMER_SEGMENTS",),
            target="ANALYTICS.TMP_CHURN_RISK",
        ),
        AdHoc(
            "SELECT COUNT(*) FROM TMP_CHURN_RISK",
            "SELECT",
            "ALICE_ANALYST",
            "ANALYST",
            schema="ANALYTICS",
            reads=("ANALYTICS.TMP_CHURN_RISK",),
        ),
    ),
    (
        AdHoc(
            "create or replace temp table order_check as\n"
            "select order_id, order_total from analytics.fct_orders where order_date = current_date()",
            "CREATE_TABLE_AS_SELECT",
            "BOB_ANALYST",
            "ANALYST",
            schema="ANALYTICS",
            reads=("ANALYTICS.FCT_ORDERS",),
            target="ANALYTICS.ORDER_CHECK",
        ),
        AdHoc(
            "select sum(order_total) from order_check",
            "SELECT",
            "BOB_ANALYST",
            "ANALYST",
            schema="ANALYTICS",
            reads=("ANALYTICS.ORDER_CHECK",),
        ),
    ),
]

_ADMIN = {"user": "DATA_ENG_ADMIN", "role": "SYSADMIN", "warehouse": "ADMIN_WH"}

# (fraction of the history, minute of the day, statement): one-off DDL.
ONE_OFFS = [
    (
        0.1,
        9 * 60 + 30,
        AdHoc(
            "ALTER TABLE RAW.CUSTOMERS ADD COLUMN MARKETING_OPT_IN BOOLEAN",
            "ALTER_TABLE_ADD_COLUMN",
            schema="RAW",
            target="RAW.CUSTOMERS",
            **_ADMIN,
        ),
    ),
    (
        0.5,
        9 * 60 + 12,
        AdHoc(
            "ALTER TABLE PROD_DB.ANALYTICS.CUST_LTV RENAME TO PROD_DB.ANALYTICS.CUSTOMER_LIFETIME_VALUE",
            "RENAME_TABLE",
            schema="ANALYTICS",
            target="ANALYTICS.CUSTOMER_LIFETIME_VALUE",
            **_ADMIN,
        ),
    ),
    (
        0.55,
        10 * 60,
        AdHoc(
            "CREATE OR REPLACE VIEW MARTS.V_ACTIVE_CUSTOMERS AS\n"
            "SELECT c.CUSTOMER_ID, c.FIRST_NAME, c.COUNTRY, l.LIFETIME_VALUE\n"
            "FROM STAGING.STG_CUSTOMERS c\n"
            "JOIN ANALYTICS.CUSTOMER_LIFETIME_VALUE l ON l.CUSTOMER_ID = c.CUSTOMER_ID\n"
            "WHERE l.LAST_ORDER_DATE >= DATEADD(day, -90, CURRENT_DATE())",
            "CREATE_VIEW",
            schema="MARTS",
            reads=("STAGING.STG_CUSTOMERS", "ANALYTICS.CUSTOMER_LIFETIME_VALUE"),
            target="MARTS.V_ACTIVE_CUSTOMERS",
            **_ADMIN,
        ),
    ),
]

# A developer's new model that never compiles: failed statements create no lineage.
BROKEN_JOB = AdHoc(
    "CREATE TABLE MARTS.VIP_CUSTOMER_CONTACTS AS\n"
    "SELECT l.CUSTOMER_ID, c.EMAIL, c.PHONE FROM ANALYTICS.CUST_LTV_OLD l\n"
    "JOIN STAGING.STG_CUSTOMERS c ON c.CUSTOMER_ID = l.CUSTOMER_ID WHERE l.LIFETIME_VALUE > 1000",
    "CREATE_TABLE_AS_SELECT",
    "DEV_CAROL",
    "DEVELOPER",
    schema="MARTS",
    target="MARTS.VIP_CUSTOMER_CONTACTS",
    warehouse="DEV_WH",
)
BROKEN_JOB_ERROR = (
    "002003",
    "SQL compilation error:\nObject 'PROD_DB.ANALYTICS.CUST_LTV_OLD' does not exist "
    "or not authorized.",
)

# Errors a scheduled run occasionally hits; those runs write nothing.
TRANSIENT_ERRORS = [
    (
        "000630",
        "Statement reached its statement or warehouse timeout of 3,600 second(s) and was canceled.",
    ),
    (
        "000625",
        "Statement '01b2...' has locked table 'STG_ORDERS' in transaction and this lock has not yet been released.",
    ),
    ("390114", "Authentication token has expired.  The user must authenticate again."),
]
