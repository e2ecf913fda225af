"""The dbt-style model builds of the demo account: ANALYTICS and MARTS.

Two paths matter to compliance and the tests: e-mail and phone are hashed with SHA2 into
ANALYTICS.DIM_CUSTOMERS, but copied unmasked into MARTS.MARKETING_EXPORT.
"""

from __future__ import annotations

from .jobs import Job

_DBT = {"user": "DBT_CLOUD", "role": "TRANSFORMER"}

ANALYTICS_JOBS = [
    Job(
        name="dim_customers",
        sql="""CREATE OR REPLACE TABLE ANALYTICS.DIM_CUSTOMERS AS
SELECT
    CUSTOMER_ID,
    SHA2(EMAIL, 256) AS EMAIL_HASH,
    SHA2(PHONE, 256) AS PHONE_HASH,
    YEAR(DATE_OF_BIRTH) AS BIRTH_YEAR,
    CITY,
    COUNTRY,
    CREATED_AT AS CUSTOMER_SINCE
FROM STAGING.STG_CUSTOMERS""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="ANALYTICS.DIM_CUSTOMERS",
        sources=("STAGING.STG_CUSTOMERS",),
        minute=4 * 60,
        schema="ANALYTICS",
        lineage={
            "CUSTOMER_ID": ("STAGING.STG_CUSTOMERS.CUSTOMER_ID",),
            "EMAIL_HASH": ("STAGING.STG_CUSTOMERS.EMAIL",),
            "PHONE_HASH": ("STAGING.STG_CUSTOMERS.PHONE",),
            "BIRTH_YEAR": ("STAGING.STG_CUSTOMERS.DATE_OF_BIRTH",),
            "CITY": ("STAGING.STG_CUSTOMERS.CITY",),
            "COUNTRY": ("STAGING.STG_CUSTOMERS.COUNTRY",),
            "CUSTOMER_SINCE": ("STAGING.STG_CUSTOMERS.CREATED_AT",),
        },
        **_DBT,
    ),
    Job(
        name="dim_products",
        sql="""CREATE OR REPLACE TABLE ANALYTICS.DIM_PRODUCTS AS
SELECT PRODUCT_ID, SKU, PRODUCT_NAME, CATEGORY, LIST_PRICE FROM RAW.PRODUCTS""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="ANALYTICS.DIM_PRODUCTS",
        sources=("RAW.PRODUCTS",),
        minute=4 * 60 + 5,
        schema="ANALYTICS",
        **_DBT,
    ),
    Job(
        name="fct_orders",
        sql="""INSERT INTO ANALYTICS.FCT_ORDERS
    (ORDER_ID, CUSTOMER_ID, ORDER_DATE, STATUS, ORDER_TOTAL, ITEM_COUNT, CURRENCY)
SELECT o.ORDER_ID, o.CUSTOMER_ID, o.ORDER_DATE, o.STATUS, o.TOTAL_AMOUNT,
       COUNT(i.ORDER_ITEM_ID), o.CURRENCY
FROM STAGING.STG_ORDERS o
LEFT JOIN STAGING.STG_ORDER_ITEMS i ON i.ORDER_ID = o.ORDER_ID
GROUP BY o.ORDER_ID, o.CUSTOMER_ID, o.ORDER_DATE, o.STATUS, o.TOTAL_AMOUNT, o.CURRENCY""",
        query_type="INSERT",
        target="ANALYTICS.FCT_ORDERS",
        sources=("STAGING.STG_ORDERS", "STAGING.STG_ORDER_ITEMS"),
        schedule="hourly",
        minute=40,
        schema="ANALYTICS",
        **_DBT,
    ),
    Job(
        name="fct_payments",
        sql="""INSERT INTO ANALYTICS.FCT_PAYMENTS
    (PAYMENT_ID, ORDER_ID, CUSTOMER_ID, AMOUNT, PAYMENT_METHOD, PAID_DATE)
SELECT PAYMENT_ID, ORDER_ID, CUSTOMER_ID, AMOUNT, PAYMENT_METHOD, TO_DATE(PAID_AT)
FROM STAGING.STG_PAYMENTS
WHERE STATUS = 'captured'""",
        query_type="INSERT",
        target="ANALYTICS.FCT_PAYMENTS",
        sources=("STAGING.STG_PAYMENTS",),
        minute=4 * 60 + 15,
        schema="ANALYTICS",
        **_DBT,
    ),
    Job(
        name="fct_revenue_daily",
        sql="""CREATE OR REPLACE TABLE ANALYTICS.FCT_REVENUE_DAILY AS
SELECT ORDER_DATE AS REVENUE_DATE, CURRENCY, SUM(ORDER_TOTAL) AS GROSS_REVENUE,
       COUNT(DISTINCT ORDER_ID) AS ORDER_COUNT
FROM ANALYTICS.FCT_ORDERS
WHERE STATUS <> 'cancelled'
GROUP BY ORDER_DATE, CURRENCY""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="ANALYTICS.FCT_REVENUE_DAILY",
        sources=("ANALYTICS.FCT_ORDERS",),
        minute=4 * 60 + 30,
        schema="ANALYTICS",
        **_DBT,
    ),
    Job(
        name="fct_ledger_balances",
        sql="""CREATE OR REPLACE TABLE ANALYTICS.FCT_LEDGER_BALANCES AS
SELECT ACCOUNT_CODE, POSTED_DATE AS BALANCE_DATE, SUM(AMOUNT) AS BALANCE
FROM STAGING.STG_LEDGER_ENTRIES
GROUP BY ACCOUNT_CODE, POSTED_DATE""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="ANALYTICS.FCT_LEDGER_BALANCES",
        sources=("STAGING.STG_LEDGER_ENTRIES",),
        minute=4 * 60 + 35,
        schema="ANALYTICS",
        **_DBT,
    ),
    Job(
        name="fct_web_sessions",
        sql="""CREATE OR REPLACE TABLE ANALYTICS.FCT_WEB_SESSIONS AS
SELECT TO_DATE(SESSION_START) AS SESSION_DATE, CUSTOMER_ID, COUNT(*) AS SESSIONS,
       SUM(PAGE_VIEWS) AS PAGE_VIEWS
FROM STAGING.STG_WEB_SESSIONS
GROUP BY TO_DATE(SESSION_START), CUSTOMER_ID""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="ANALYTICS.FCT_WEB_SESSIONS",
        sources=("STAGING.STG_WEB_SESSIONS",),
        minute=4 * 60 + 40,
        schema="ANALYTICS",
        **_DBT,
    ),
    Job(
        name="fct_support_sla",
        sql="""CREATE OR REPLACE TABLE ANALYTICS.FCT_SUPPORT_SLA AS
SELECT TO_DATE(CREATED_AT) AS CREATED_DATE, PRIORITY, COUNT(*) AS TICKETS,
       AVG(DATEDIFF(hour, CREATED_AT, RESOLVED_AT)) AS AVG_HOURS_TO_RESOLVE
FROM STAGING.STG_SUPPORT_TICKETS
GROUP BY TO_DATE(CREATED_AT), PRIORITY""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="ANALYTICS.FCT_SUPPORT_SLA",
        sources=("STAGING.STG_SUPPORT_TICKETS",),
        minute=4 * 60 + 45,
        schema="ANALYTICS",
        **_DBT,
    ),
    Job(
        name="customer_lifetime_value",
        sql="""INSERT OVERWRITE INTO ANALYTICS.{ltv}
    (CUSTOMER_ID, FIRST_ORDER_DATE, LAST_ORDER_DATE, ORDER_COUNT, LIFETIME_VALUE)
SELECT CUSTOMER_ID, MIN(ORDER_DATE), MAX(ORDER_DATE), COUNT(ORDER_ID), SUM(ORDER_TOTAL)
FROM ANALYTICS.FCT_ORDERS
WHERE STATUS <> 'cancelled'
GROUP BY CUSTOMER_ID""",
        query_type="INSERT",
        target="ANALYTICS.{ltv}",
        sources=("ANALYTICS.FCT_ORDERS",),
        minute=5 * 60,
        schema="ANALYTICS",
        lineage={
            "CUSTOMER_ID": ("ANALYTICS.FCT_ORDERS.CUSTOMER_ID",),
            "FIRST_ORDER_DATE": ("ANALYTICS.FCT_ORDERS.ORDER_DATE",),
            "LAST_ORDER_DATE": ("ANALYTICS.FCT_ORDERS.ORDER_DATE",),
            "ORDER_COUNT": ("ANALYTICS.FCT_ORDERS.ORDER_ID",),
            "LIFETIME_VALUE": ("ANALYTICS.FCT_ORDERS.ORDER_TOTAL",),
        },
        **_DBT,
    ),
]

MARTS_JOBS = [
    Job(
        name="marketing_export",
        sql="""CREATE OR REPLACE TABLE MARTS.MARKETING_EXPORT AS
SELECT
    c.CUSTOMER_ID,
    c.EMAIL,
    c.PHONE,
    c.FIRST_NAME,
    c.COUNTRY,
    l.LAST_ORDER_DATE,
    l.LIFETIME_VALUE
FROM STAGING.STG_CUSTOMERS c
JOIN ANALYTICS.{ltv} l ON l.CUSTOMER_ID = c.CUSTOMER_ID
WHERE c.MARKETING_OPT_IN""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="MARTS.MARKETING_EXPORT",
        sources=("STAGING.STG_CUSTOMERS", "ANALYTICS.{ltv}"),
        minute=6 * 60,
        schema="MARTS",
        lineage={
            "CUSTOMER_ID": ("STAGING.STG_CUSTOMERS.CUSTOMER_ID",),
            "EMAIL": ("STAGING.STG_CUSTOMERS.EMAIL",),
            "PHONE": ("STAGING.STG_CUSTOMERS.PHONE",),
            "FIRST_NAME": ("STAGING.STG_CUSTOMERS.FIRST_NAME",),
            "COUNTRY": ("STAGING.STG_CUSTOMERS.COUNTRY",),
            "LAST_ORDER_DATE": ("ANALYTICS.{ltv}.LAST_ORDER_DATE",),
            "LIFETIME_VALUE": ("ANALYTICS.{ltv}.LIFETIME_VALUE",),
        },
        **_DBT,
    ),
    Job(
        name="customer_segments",
        sql="""CREATE OR REPLACE TABLE MARTS.CUSTOMER_SEGMENTS AS
SELECT
    d.CUSTOMER_ID,
    d.EMAIL_HASH,
    d.COUNTRY,
    CASE WHEN l.LIFETIME_VALUE >= 1000 THEN 'vip'
         WHEN l.LIFETIME_VALUE >= 200 THEN 'regular'
         ELSE 'casual' END AS SEGMENT,
    l.LIFETIME_VALUE
FROM ANALYTICS.DIM_CUSTOMERS d
JOIN ANALYTICS.{ltv} l ON l.CUSTOMER_ID = d.CUSTOMER_ID""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="MARTS.CUSTOMER_SEGMENTS",
        sources=("ANALYTICS.DIM_CUSTOMERS", "ANALYTICS.{ltv}"),
        minute=6 * 60 + 10,
        schema="MARTS",
        **_DBT,
    ),
    Job(
        name="finance_kpis",
        sql="""CREATE OR REPLACE TABLE MARTS.FINANCE_KPIS AS
SELECT r.REVENUE_DATE AS KPI_DATE, SUM(r.GROSS_REVENUE) AS GROSS_REVENUE,
       SUM(r.ORDER_COUNT) AS ORDER_COUNT, SUM(i.AMOUNT_DUE) AS OUTSTANDING_AR
FROM ANALYTICS.FCT_REVENUE_DAILY r
LEFT JOIN STAGING.STG_INVOICES i ON i.INVOICE_DATE = r.REVENUE_DATE AND i.STATUS = 'open'
GROUP BY r.REVENUE_DATE""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="MARTS.FINANCE_KPIS",
        sources=("ANALYTICS.FCT_REVENUE_DAILY", "STAGING.STG_INVOICES"),
        minute=6 * 60 + 20,
        schema="MARTS",
        **_DBT,
    ),
    Job(
        name="support_dashboard",
        sql="""CREATE OR REPLACE TABLE MARTS.SUPPORT_DASHBOARD AS
SELECT DATE_TRUNC('week', CREATED_DATE) AS WEEK_START, PRIORITY, SUM(TICKETS) AS TICKETS,
       AVG(AVG_HOURS_TO_RESOLVE) AS AVG_HOURS_TO_RESOLVE
FROM ANALYTICS.FCT_SUPPORT_SLA
GROUP BY DATE_TRUNC('week', CREATED_DATE), PRIORITY""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="MARTS.SUPPORT_DASHBOARD",
        sources=("ANALYTICS.FCT_SUPPORT_SLA",),
        minute=6 * 60 + 30,
        schema="MARTS",
        **_DBT,
    ),
    Job(
        name="campaign_performance",
        sql="""CREATE OR REPLACE TABLE MARTS.CAMPAIGN_PERFORMANCE AS
SELECT c.CAMPAIGN_ID, c.CAMPAIGN_NAME, c.CHANNEL,
       COUNT_IF(e.EVENT_TYPE = 'sent') AS SENDS,
       COUNT_IF(e.EVENT_TYPE = 'open') AS OPENS,
       COUNT_IF(e.EVENT_TYPE = 'click') AS CLICKS
FROM RAW.MARKETING_CAMPAIGNS c
LEFT JOIN STAGING.STG_EMAIL_EVENTS e ON e.CAMPAIGN_ID = c.CAMPAIGN_ID
GROUP BY c.CAMPAIGN_ID, c.CAMPAIGN_NAME, c.CHANNEL""",
        query_type="CREATE_TABLE_AS_SELECT",
        target="MARTS.CAMPAIGN_PERFORMANCE",
        sources=("RAW.MARKETING_CAMPAIGNS", "STAGING.STG_EMAIL_EVENTS"),
        minute=6 * 60 + 40,
        schema="MARTS",
        **_DBT,
    ),
]
