"""System checks on the configuration in effect, shown by ``manage.py check`` and at start-up.

A bad key already stops start-up (settings raise ImproperlyConfigured naming it); these
checks report what is valid but worth knowing: the file and the environment disagreeing
on a connection (the environment wins), or a setting that cannot do anything yet.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register("lineage_config")
def configuration_checks(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Disagreements between the file and the environment, and settings without effect."""
    from lineage_portal.config import engine

    path = getattr(settings, "LINEAGE_CONFIG_PATH", "the configuration file")
    found: list[checks.CheckMessage] = [
        checks.Warning(
            disagreement.message,
            hint=(
                f"The environment wins over {path}. Unset {disagreement.variable} or change "
                f"{disagreement.key} so that they agree."
            ),
            id="lineage.W001",
        )
        for disagreement in getattr(settings, "LINEAGE_CONFIG_DISAGREEMENTS", [])
    ]
    config = engine()
    if config.graph.type == "neo4j" and not settings.NEO4J_URI:
        found.append(
            checks.Error(
                "graph.type is neo4j but neither graph.uri nor NEO4J_URI says where Neo4j is",
                hint="Set graph.uri (bolt://host:7687) or the NEO4J_URI environment variable.",
                id="lineage.E001",
            )
        )
    if config.telemetry.provider == "bigquery":
        found.append(
            checks.Warning(
                "telemetry.provider is bigquery, but this version reads lineage from Snowflake, "
                "Postgres, dbt and OpenLineage only; BigQuery jobs can arrive through OpenLineage",
                id="lineage.W002",
            )
        )
    monitoring = config.monitoring
    if monitoring.alert_on and not (monitoring.slack_webhook or monitoring.email.to):
        found.append(
            checks.Info(
                f"monitoring.alert_on lists {', '.join(monitoring.alert_on)} but neither "
                "monitoring.slack_webhook nor monitoring.email.to is set: alerts are recorded "
                "on the Alerts page and sent nowhere",
                id="lineage.I001",
            )
        )
    return found
