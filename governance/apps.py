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

        # Findings follow lineage and governance: a finished run or a change asks for a scan.
        from django.db.models.signals import post_save

        from graph.signals import run_finished

        from .exposure import triggers
        from .models import AuditEvent

        run_finished.connect(triggers.on_run_finished, dispatch_uid="exposure-run-finished")
        post_save.connect(
            triggers.on_audit_event, sender=AuditEvent, dispatch_uid="exposure-audit-event"
        )
