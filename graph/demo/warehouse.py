"""The demo account's tables: PROD_DB with RAW → STAGING → ANALYTICS → MARTS.

Customer PII (names, e-mails, phones, addresses, dates of birth), financial records
(orders, payments, invoices, ledger), web events, support tickets and marketing. Object
and column ids are stable, as Snowflake's are: a rename keeps the table's id.
"""

from __future__ import annotations

from dataclasses import dataclass

DATABASE = "PROD_DB"

# schema -> table -> "COLUMN TYPE" in ordinal order.
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "RAW": {
        "CUSTOMERS": (
            "CUSTOMER_ID NUMBER",
            "FIRST_NAME VARCHAR",
            "LAST_NAME VARCHAR",
            "EMAIL VARCHAR",
            "PHONE VARCHAR",
            "DATE_OF_BIRTH DATE",
            "ADDRESS_LINE1 VARCHAR",
            "CITY VARCHAR",
            "POSTAL_CODE VARCHAR",
            "COUNTRY VARCHAR",
            "MARKETING_OPT_IN BOOLEAN",
            "CREATED_AT TIMESTAMP_NTZ",
            "UPDATED_AT TIMESTAMP_NTZ",
        ),
        "ORDERS": (
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "ORDER_DATE DATE",
            "STATUS VARCHAR",
            "TOTAL_AMOUNT NUMBER",
            "CURRENCY VARCHAR",
            "SHIPPING_ADDRESS VARCHAR",
            "CREATED_AT TIMESTAMP_NTZ",
        ),
        "ORDER_ITEMS": (
            "ORDER_ITEM_ID NUMBER",
            "ORDER_ID NUMBER",
            "PRODUCT_ID NUMBER",
            "QUANTITY NUMBER",
            "UNIT_PRICE NUMBER",
        ),
        "PRODUCTS": (
            "PRODUCT_ID NUMBER",
            "SKU VARCHAR",
            "PRODUCT_NAME VARCHAR",
            "CATEGORY VARCHAR",
            "LIST_PRICE NUMBER",
        ),
        "PAYMENTS": (
            "PAYMENT_ID NUMBER",
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "AMOUNT NUMBER",
            "CURRENCY VARCHAR",
            "PAYMENT_METHOD VARCHAR",
            "CARD_LAST4 VARCHAR",
            "STATUS VARCHAR",
            "PAID_AT TIMESTAMP_NTZ",
        ),
        "INVOICES": (
            "INVOICE_ID NUMBER",
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "INVOICE_DATE DATE",
            "AMOUNT_DUE NUMBER",
            "TAX_AMOUNT NUMBER",
            "BILLING_EMAIL VARCHAR",
            "STATUS VARCHAR",
        ),
        "LEDGER_ENTRIES": (
            "ENTRY_ID NUMBER",
            "ACCOUNT_CODE VARCHAR",
            "INVOICE_ID NUMBER",
            "DEBIT NUMBER",
            "CREDIT NUMBER",
            "POSTED_AT TIMESTAMP_NTZ",
            "MEMO VARCHAR",
        ),
        "WEB_EVENTS": (
            "EVENT_ID VARCHAR",
            "SESSION_ID VARCHAR",
            "CUSTOMER_ID NUMBER",
            "EVENT_TYPE VARCHAR",
            "PAGE_URL VARCHAR",
            "REFERRER VARCHAR",
            "IP_ADDRESS VARCHAR",
            "USER_AGENT VARCHAR",
            "EVENT_TIME TIMESTAMP_NTZ",
        ),
        "SUPPORT_TICKETS": (
            "TICKET_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "REQUESTER_EMAIL VARCHAR",
            "SUBJECT VARCHAR",
            "BODY VARCHAR",
            "PRIORITY VARCHAR",
            "STATUS VARCHAR",
            "CREATED_AT TIMESTAMP_NTZ",
            "RESOLVED_AT TIMESTAMP_NTZ",
        ),
        "MARKETING_CAMPAIGNS": (
            "CAMPAIGN_ID NUMBER",
            "CAMPAIGN_NAME VARCHAR",
            "CHANNEL VARCHAR",
            "START_DATE DATE",
            "END_DATE DATE",
            "BUDGET NUMBER",
        ),
        "EMAIL_EVENTS": (
            "SEND_ID VARCHAR",
            "CAMPAIGN_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "EMAIL VARCHAR",
            "EVENT_TYPE VARCHAR",
            "EVENT_TIME TIMESTAMP_NTZ",
        ),
    },
    "STAGING": {
        "STG_CUSTOMERS": (
            "CUSTOMER_ID NUMBER",
            "FIRST_NAME VARCHAR",
            "LAST_NAME VARCHAR",
            "EMAIL VARCHAR",
            "PHONE VARCHAR",
            "DATE_OF_BIRTH DATE",
            "CITY VARCHAR",
            "COUNTRY VARCHAR",
            "MARKETING_OPT_IN BOOLEAN",
            "CREATED_AT TIMESTAMP_NTZ",
        ),
        "STG_ORDERS": (
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "ORDER_DATE DATE",
            "STATUS VARCHAR",
            "TOTAL_AMOUNT NUMBER",
            "CURRENCY VARCHAR",
        ),
        "STG_ORDER_ITEMS": (
            "ORDER_ITEM_ID NUMBER",
            "ORDER_ID NUMBER",
            "PRODUCT_ID NUMBER",
            "PRODUCT_NAME VARCHAR",
            "CATEGORY VARCHAR",
            "QUANTITY NUMBER",
            "LINE_AMOUNT NUMBER",
        ),
        "STG_PAYMENTS": (
            "PAYMENT_ID NUMBER",
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "AMOUNT NUMBER",
            "PAYMENT_METHOD VARCHAR",
            "CARD_LAST4 VARCHAR",
            "STATUS VARCHAR",
            "PAID_AT TIMESTAMP_NTZ",
        ),
        "STG_INVOICES": (
            "INVOICE_ID NUMBER",
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "INVOICE_DATE DATE",
            "AMOUNT_DUE NUMBER",
            "TAX_AMOUNT NUMBER",
            "BILLING_EMAIL VARCHAR",
            "STATUS VARCHAR",
        ),
        "STG_LEDGER_ENTRIES": (
            "ENTRY_ID NUMBER",
            "ACCOUNT_CODE VARCHAR",
            "INVOICE_ID NUMBER",
            "AMOUNT NUMBER",
            "POSTED_DATE DATE",
        ),
        "STG_WEB_SESSIONS": (
            "SESSION_ID VARCHAR",
            "CUSTOMER_ID NUMBER",
            "SESSION_START TIMESTAMP_NTZ",
            "SESSION_END TIMESTAMP_NTZ",
            "PAGE_VIEWS NUMBER",
            "IP_ADDRESS VARCHAR",
        ),
        "STG_SUPPORT_TICKETS": (
            "TICKET_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "REQUESTER_EMAIL_MASKED VARCHAR",
            "PRIORITY VARCHAR",
            "STATUS VARCHAR",
            "CREATED_AT TIMESTAMP_NTZ",
            "RESOLVED_AT TIMESTAMP_NTZ",
        ),
        "STG_EMAIL_EVENTS": (
            "SEND_ID VARCHAR",
            "CAMPAIGN_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "EVENT_TYPE VARCHAR",
            "EVENT_TIME TIMESTAMP_NTZ",
        ),
    },
    "ANALYTICS": {
        "DIM_CUSTOMERS": (
            "CUSTOMER_ID NUMBER",
            "EMAIL_HASH VARCHAR",
            "PHONE_HASH VARCHAR",
            "BIRTH_YEAR NUMBER",
            "CITY VARCHAR",
            "COUNTRY VARCHAR",
            "CUSTOMER_SINCE TIMESTAMP_NTZ",
        ),
        "DIM_PRODUCTS": (
            "PRODUCT_ID NUMBER",
            "SKU VARCHAR",
            "PRODUCT_NAME VARCHAR",
            "CATEGORY VARCHAR",
            "LIST_PRICE NUMBER",
        ),
        "FCT_ORDERS": (
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "ORDER_DATE DATE",
            "STATUS VARCHAR",
            "ORDER_TOTAL NUMBER",
            "ITEM_COUNT NUMBER",
            "CURRENCY VARCHAR",
        ),
        "FCT_PAYMENTS": (
            "PAYMENT_ID NUMBER",
            "ORDER_ID NUMBER",
            "CUSTOMER_ID NUMBER",
            "AMOUNT NUMBER",
            "PAYMENT_METHOD VARCHAR",
            "PAID_DATE DATE",
        ),
        "FCT_REVENUE_DAILY": (
            "REVENUE_DATE DATE",
            "CURRENCY VARCHAR",
            "GROSS_REVENUE NUMBER",
            "ORDER_COUNT NUMBER",
        ),
        "FCT_LEDGER_BALANCES": ("ACCOUNT_CODE VARCHAR", "BALANCE_DATE DATE", "BALANCE NUMBER"),
        "FCT_WEB_SESSIONS": (
            "SESSION_DATE DATE",
            "CUSTOMER_ID NUMBER",
            "SESSIONS NUMBER",
            "PAGE_VIEWS NUMBER",
        ),
        "FCT_SUPPORT_SLA": (
            "CREATED_DATE DATE",
            "PRIORITY VARCHAR",
            "TICKETS NUMBER",
            "AVG_HOURS_TO_RESOLVE NUMBER",
        ),
        # Renamed to CUSTOMER_LIFETIME_VALUE during the history (same object id).
        "CUSTOMER_LIFETIME_VALUE": (
            "CUSTOMER_ID NUMBER",
            "FIRST_ORDER_DATE DATE",
            "LAST_ORDER_DATE DATE",
            "ORDER_COUNT NUMBER",
            "LIFETIME_VALUE NUMBER",
        ),
    },
    "MARTS": {
        "MARKETING_EXPORT": (
            "CUSTOMER_ID NUMBER",
            "EMAIL VARCHAR",
            "PHONE VARCHAR",
            "FIRST_NAME VARCHAR",
            "COUNTRY VARCHAR",
            "LAST_ORDER_DATE DATE",
            "LIFETIME_VALUE NUMBER",
        ),
        "CUSTOMER_SEGMENTS": (
            "CUSTOMER_ID NUMBER",
            "EMAIL_HASH VARCHAR",
            "COUNTRY VARCHAR",
            "SEGMENT VARCHAR",
            "LIFETIME_VALUE NUMBER",
        ),
        "FINANCE_KPIS": (
            "KPI_DATE DATE",
            "GROSS_REVENUE NUMBER",
            "ORDER_COUNT NUMBER",
            "OUTSTANDING_AR NUMBER",
        ),
        "SUPPORT_DASHBOARD": (
            "WEEK_START DATE",
            "PRIORITY VARCHAR",
            "TICKETS NUMBER",
            "AVG_HOURS_TO_RESOLVE NUMBER",
        ),
        "CAMPAIGN_PERFORMANCE": (
            "CAMPAIGN_ID NUMBER",
            "CAMPAIGN_NAME VARCHAR",
            "CHANNEL VARCHAR",
            "SENDS NUMBER",
            "OPENS NUMBER",
            "CLICKS NUMBER",
        ),
        "V_ACTIVE_CUSTOMERS": (
            "CUSTOMER_ID NUMBER",
            "FIRST_NAME VARCHAR",
            "COUNTRY VARCHAR",
            "LIFETIME_VALUE NUMBER",
        ),
    },
}

VIEWS = {"MARTS.V_ACTIVE_CUSTOMERS"}
RENAMED_FROM = {"ANALYTICS.CUSTOMER_LIFETIME_VALUE": "ANALYTICS.CUST_LTV"}


@dataclass(frozen=True)
class DemoTable:
    """A table of the demo account, with Snowflake-style object and column ids."""

    schema: str
    name: str
    table_id: int
    columns: tuple[tuple[str, str, int], ...]  # (name, data type, column id)

    @property
    def qualified(self) -> str:
        return f"{DATABASE}.{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.columns)


def demo_tables() -> dict[str, DemoTable]:
    """Every table by ``SCHEMA.TABLE`` (its current name), with stable ids."""
    tables: dict[str, DemoTable] = {}
    table_id = 1000
    for schema, by_name in TABLES.items():
        for name, specs in by_name.items():
            table_id += 1
            columns = tuple(
                (spec.split()[0], spec.split()[1], table_id * 100 + ordinal)
                for ordinal, spec in enumerate(specs, start=1)
            )
            tables[f"{schema}.{name}"] = DemoTable(schema, name, table_id, columns)
    return tables
