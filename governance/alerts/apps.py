from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alerts to Slack and e-mail: recorded, de-duplicated, rate-limited, retried."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "governance.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # Ingestion announces a window that failed for good; governance turns it into an
        # alert. The dependency points this way only: graph never imports governance.
        from graph.signals import window_failed

        from .failed_backfill import on_window_failed

        window_failed.connect(on_window_failed, dispatch_uid="alerts.failed_backfill")
