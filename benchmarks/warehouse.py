"""A synthetic Snowflake warehouse: a few hundred tables in the layers a real one has.

``raw`` holds what loaders land from source systems, ``analytics`` the staging,
intermediate and mart layers that SQL builds from it, ``finance``/``marketing`` the
reporting tables built on the marts. Every table has a primary *entity* (customer,
order, …), and its columns come from that entity, from the entities its foreign keys
point at, and, for aggregates, from metrics over them — so the statement generator can
always find where a column's value comes from. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# entity -> (columns with types); the first column is the primary key.
ENTITIES: dict[str, list[tuple[str, str]]] = {
    "customer": [("customer_id", "number"), ("first_name", "varchar"), ("last_name", "varchar"),
                 ("email", "varchar"), ("phone", "varchar"), ("country", "varchar"),
                 ("city", "varchar"), ("postal_code", "varchar"), ("birth_date", "date"),
                 ("segment", "varchar"), ("is_active", "boolean"), ("created_at", "timestamp_ntz"),
                 ("updated_at", "timestamp_ntz")],
    "order": [("order_id", "number"), ("customer_id", "number"), ("store_id", "number"),
              ("order_date", "date"), ("status", "varchar"), ("currency", "varchar"),
              ("subtotal", "number(18,2)"), ("tax_amount", "number(18,2)"),
              ("discount_amount", "number(18,2)"), ("total_amount", "number(18,2)"),
              ("shipping_method", "varchar"), ("created_at", "timestamp_ntz"),
              ("updated_at", "timestamp_ntz")],
    "order_item": [("order_item_id", "number"), ("order_id", "number"), ("product_id", "number"),
                   ("quantity", "number"), ("unit_price", "number(18,2)"),
                   ("discount_amount", "number(18,2)"), ("line_total", "number(18,2)"),
                   ("created_at", "timestamp_ntz")],
    "product": [("product_id", "number"), ("sku", "varchar"), ("product_name", "varchar"),
                ("category", "varchar"), ("brand", "varchar"), ("list_price", "number(18,2)"),
                ("unit_cost", "number(18,2)"), ("is_active", "boolean"),
                ("created_at", "timestamp_ntz"), ("updated_at", "timestamp_ntz")],
    "payment": [("payment_id", "varchar"), ("order_id", "number"), ("customer_id", "number"),
                ("payment_method", "varchar"), ("card_last4", "varchar"),
                ("amount", "number(18,2)"), ("currency", "varchar"), ("status", "varchar"),
                ("paid_at", "timestamp_ntz"), ("created_at", "timestamp_ntz")],
    "refund": [("refund_id", "varchar"), ("payment_id", "varchar"), ("order_id", "number"),
               ("amount", "number(18,2)"), ("reason", "varchar"), ("refunded_at", "timestamp_ntz"),
               ("created_at", "timestamp_ntz")],
    "invoice": [("invoice_id", "varchar"), ("account_id", "varchar"), ("customer_id", "number"),
                ("invoice_date", "date"), ("due_date", "date"), ("amount_due", "number(18,2)"),
                ("amount_paid", "number(18,2)"), ("status", "varchar"), ("currency", "varchar"),
                ("created_at", "timestamp_ntz")],
    "subscription": [("subscription_id", "varchar"), ("customer_id", "number"),
                     ("plan_id", "varchar"), ("status", "varchar"), ("mrr", "number(18,2)"),
                     ("started_at", "timestamp_ntz"), ("canceled_at", "timestamp_ntz"),
                     ("trial_end", "timestamp_ntz"), ("created_at", "timestamp_ntz")],
    "plan": [("plan_id", "varchar"), ("plan_name", "varchar"), ("billing_interval", "varchar"),
             ("price", "number(18,2)"), ("currency", "varchar"), ("created_at", "timestamp_ntz")],
    "account": [("account_id", "varchar"), ("account_name", "varchar"), ("industry", "varchar"),
                ("employee_count", "number"), ("annual_revenue", "number(18,2)"),
                ("owner_id", "varchar"), ("billing_country", "varchar"),
                ("created_at", "timestamp_ntz"), ("updated_at", "timestamp_ntz")],
    "contact": [("contact_id", "varchar"), ("account_id", "varchar"), ("email", "varchar"),
                ("first_name", "varchar"), ("last_name", "varchar"), ("title", "varchar"),
                ("phone", "varchar"), ("lead_source", "varchar"), ("created_at", "timestamp_ntz")],
    "opportunity": [("opportunity_id", "varchar"), ("account_id", "varchar"),
                    ("owner_id", "varchar"), ("stage", "varchar"), ("amount", "number(18,2)"),
                    ("close_date", "date"), ("probability", "float"), ("is_won", "boolean"),
                    ("created_at", "timestamp_ntz")],
    "lead": [("lead_id", "varchar"), ("email", "varchar"), ("company", "varchar"),
             ("lead_source", "varchar"), ("status", "varchar"), ("score", "number"),
             ("converted_at", "timestamp_ntz"), ("created_at", "timestamp_ntz")],
    "campaign": [("campaign_id", "varchar"), ("campaign_name", "varchar"), ("channel", "varchar"),
                 ("budget", "number(18,2)"), ("start_date", "date"), ("end_date", "date"),
                 ("created_at", "timestamp_ntz")],
    "click": [("click_id", "varchar"), ("campaign_id", "varchar"), ("session_id", "varchar"),
              ("clicked_at", "timestamp_ntz"), ("cost", "number(18,4)"), ("device_type", "varchar"),
              ("country", "varchar")],
    "session": [("session_id", "varchar"), ("customer_id", "number"), ("anonymous_id", "varchar"),
                ("started_at", "timestamp_ntz"), ("ended_at", "timestamp_ntz"),
                ("page_views", "number"), ("device_type", "varchar"), ("utm_source", "varchar"),
                ("utm_campaign", "varchar"), ("country", "varchar")],
    "event": [("event_id", "varchar"), ("session_id", "varchar"), ("customer_id", "number"),
              ("anonymous_id", "varchar"), ("event_name", "varchar"), ("event_at", "timestamp_ntz"),
              ("page_url", "varchar"), ("received_at", "timestamp_ntz")],
    "ticket": [("ticket_id", "number"), ("customer_id", "number"), ("agent_id", "number"),
               ("subject", "varchar"), ("priority", "varchar"), ("status", "varchar"),
               ("channel", "varchar"), ("created_at", "timestamp_ntz"),
               ("solved_at", "timestamp_ntz"), ("satisfaction_score", "number")],
    "employee": [("employee_id", "number"), ("first_name", "varchar"), ("last_name", "varchar"),
                 ("email", "varchar"), ("department", "varchar"), ("title", "varchar"),
                 ("manager_id", "number"), ("hire_date", "date"), ("salary", "number(18,2)"),
                 ("ssn", "varchar"), ("country", "varchar")],
    "payroll_run": [("payroll_run_id", "number"), ("employee_id", "number"), ("pay_date", "date"),
                    ("gross_pay", "number(18,2)"), ("net_pay", "number(18,2)"),
                    ("tax_withheld", "number(18,2)"), ("currency", "varchar")],
    "ledger_entry": [("ledger_entry_id", "number"), ("journal_id", "number"),
                     ("account_code", "varchar"), ("entry_date", "date"),
                     ("debit", "number(18,2)"), ("credit", "number(18,2)"), ("currency", "varchar"),
                     ("description", "varchar"), ("created_at", "timestamp_ntz")],
    "journal": [("journal_id", "number"), ("journal_date", "date"), ("posted_by", "varchar"),
                ("status", "varchar"), ("memo", "varchar")],
    "shipment": [("shipment_id", "number"), ("order_id", "number"), ("carrier", "varchar"),
                 ("tracking_number", "varchar"), ("shipped_at", "timestamp_ntz"),
                 ("delivered_at", "timestamp_ntz"), ("shipping_cost", "number(18,2)"),
                 ("status", "varchar")],
    "inventory": [("inventory_id", "number"), ("product_id", "number"), ("warehouse_id", "number"),
                  ("quantity_on_hand", "number"), ("reorder_point", "number"),
                  ("updated_at", "timestamp_ntz")],
    "store": [("store_id", "number"), ("store_name", "varchar"), ("region", "varchar"),
              ("country", "varchar"), ("opened_at", "date")],
}  # fmt: skip

# Source systems and the entities their loaders land in ``raw.<source>``.
SOURCES: dict[str, list[str]] = {
    "app_db": ["customer", "order", "order_item", "product", "store", "shipment", "inventory"],
    "shopify": ["customer", "order", "order_item", "product", "refund"],
    "stripe": ["customer", "payment", "refund", "invoice", "subscription", "plan"],
    "salesforce": ["account", "contact", "opportunity", "lead", "campaign"],
    "hubspot": ["contact", "lead", "campaign", "click"],
    "segment": ["event", "session", "click"],
    "zendesk": ["ticket", "customer"],
    "netsuite": ["ledger_entry", "journal", "invoice", "account"],
    "workday": ["employee", "payroll_run"],
    "legacy_erp": ["order", "order_item", "invoice", "ledger_entry", "product"],
    "app_db_eu": ["customer", "order", "order_item", "payment", "shipment"],
}
# Loaders add these; event-like raw tables also keep the whole record as a VARIANT.
LOADER_COLUMNS = [("_loaded_at", "timestamp_ntz"), ("_batch_id", "number")]
VARIANT_ENTITIES = {"event", "session", "click", "ticket", "lead"}
NUMERIC = ("number", "float")
PII_COLUMNS = {"email", "phone", "first_name", "last_name", "ssn", "birth_date", "card_last4",
               "postal_code", "tracking_number"}  # fmt: skip


def plural(entity: str) -> str:
    return entity + ("es" if entity.endswith(("s", "x", "ch")) else "s")


def foreign_entities(entity: str) -> list[str]:
    """Entities whose primary key is a column of ``entity`` (what it can join to)."""
    own_pk = ENTITIES[entity][0][0]
    return [
        other
        for other, cols in ENTITIES.items()
        if other != entity and cols[0][0] != own_pk and cols[0] in ENTITIES[entity]
    ]


@dataclass
class Table:
    """One table: where it lives, its layer (0 = raw), its entity and columns."""

    database: str
    schema: str
    name: str
    level: int
    entity: str
    columns: dict[str, str] = field(default_factory=dict)
    kind: str = "table"  # table | view

    @property
    def key(self) -> str:
        return f"{self.database}.{self.schema}.{self.name}"

    @property
    def pk(self) -> str:
        return ENTITIES[self.entity][0][0]


@dataclass
class Warehouse:
    """The tables, indexed the ways the statement generator looks them up."""

    tables: list[Table]

    def schema(self) -> dict[str, dict[str, str]]:
        """``{"db.schema.table": {"column": "type"}}``: what every parser is given."""
        return {t.key: dict(t.columns) for t in self.tables}

    def writable(self) -> list[Table]:
        return [t for t in self.tables if t.level > 0]

    def upstream_candidates(self, target: Table, entity: str) -> list[Table]:
        return [t for t in self.tables if t.entity == entity and t.level < target.level]


def build_warehouse(seed: int = 7) -> Warehouse:
    """A deterministic warehouse of about three hundred tables."""
    rng = random.Random(seed)
    tables: list[Table] = []
    for source, entities in SOURCES.items():
        for entity in entities:
            cols = dict(ENTITIES[entity]) | dict(LOADER_COLUMNS)
            if entity in VARIANT_ENTITIES:
                cols["payload"] = "variant"
            tables.append(Table("raw", source, plural(entity), 0, entity, cols))
    for raw in list(tables):
        cols = {c: t for c, t in raw.columns.items() if c != "_batch_id"}
        cols["_source"] = "varchar"
        name = f"stg_{raw.schema}__{raw.name}"
        tables.append(Table("analytics", "staging", name, 1, raw.entity, cols))
    for entity in ENTITIES:
        for variant in rng.sample(["enriched", "deduped", "joined", "unioned", "daily"], 2):
            tables.append(
                _derived(
                    "analytics", "intermediate", f"int_{plural(entity)}_{variant}", 2, entity, rng
                )
            )
        tables.append(_derived("analytics", "marts", f"dim_{plural(entity)}", 3, entity, rng))
        tables.append(_derived("analytics", "marts", f"fct_{plural(entity)}", 3, entity, rng))
    for db, schema, entities in (
        (
            "finance",
            "reporting",
            [
                "order",
                "payment",
                "refund",
                "invoice",
                "ledger_entry",
                "journal",
                "subscription",
                "payroll_run",
            ],
        ),
        (
            "marketing",
            "attribution",
            ["campaign", "click", "session", "event", "lead", "contact", "opportunity"],
        ),
        (
            "analytics",
            "reporting",
            [
                "customer",
                "order",
                "order_item",
                "product",
                "ticket",
                "shipment",
                "inventory",
                "account",
                "employee",
                "store",
            ],
        ),
    ):
        for entity in entities:
            for grain in rng.sample(["daily", "weekly", "monthly", "by_country", "by_status"], 3):
                name = f"agg_{plural(entity)}_{grain}"
                tables.append(_derived(db, schema, name, 4, entity, rng, aggregate=True))
            view = _derived(db, schema, f"v_{plural(entity)}_current", 4, entity, rng)
            view.kind = "view"
            tables.append(view)
    return Warehouse(tables)


def _derived(
    db: str,
    schema: str,
    name: str,
    level: int,
    entity: str,
    rng: random.Random,
    *,
    aggregate: bool = False,
) -> Table:
    """A modelled table: its entity's columns, a few joined ones, metrics when aggregated."""
    own = ENTITIES[entity]
    cols = dict(own[:1] + rng.sample(own[1:], k=max(2, int(len(own[1:]) * rng.uniform(0.6, 1)))))
    for other in foreign_entities(entity)[:2]:
        for col, typ in rng.sample(ENTITIES[other][1:], k=2):
            cols.setdefault(col, typ)
    if aggregate:
        dims = [c for c, t in cols.items() if t == "varchar" and not c.endswith("_id")][:2]
        numeric = [c for c, t in own if t.startswith(NUMERIC) and not c.endswith("_id")]
        cols = {"period_start": "date"} | {d: cols[d] for d in dims}
        cols[f"{plural(entity)}_count"] = "number"
        for col in numeric[:3]:
            cols[f"{rng.choice(['sum', 'avg', 'max'])}_{col}"] = "number(18,2)"
    cols["etl_loaded_at"] = "timestamp_ntz"
    return Table(db, schema, name, level, entity, cols)
