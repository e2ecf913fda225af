from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: settings, configuration file and its system checks."""

    name = "lineage_portal"
    verbose_name = "Lineage Portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the configuration checks
