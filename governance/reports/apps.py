from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Evidence reports (PDF, CSV) and the register that proves which file is which."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "governance.reports"
    label = "reports"
    verbose_name = "Reports"
