from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """What data is and who answers for it: classifications, stewards, reviews, audit trail."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # Lineage nodes show classification, tags, steward and masking from governance;
        # the graph app asks through its catalog-decorator hook and knows nothing else.
        from graph.elements import register_catalog

        from .selectors import asset_governance_for_datasets

        register_catalog(asset_governance_for_datasets)
