"""Seed the built-in regulatory tags and the audit chain's head row."""

from django.db import migrations

BUILTIN_TAGS = [
    ("gdpr", "GDPR", "Personal data of EU residents (EU General Data Protection Regulation)."),
    (
        "ccpa",
        "CCPA",
        "Personal information of California residents (California Consumer Privacy Act).",
    ),
    ("pii", "PII", "Personally identifiable information."),
    ("sox", "SOX", "Financial reporting records under the Sarbanes-Oxley Act."),
    ("financial", "Financial", "Financial transactions, balances and payment data."),
    (
        "hipaa",
        "HIPAA",
        "Protected health information (US Health Insurance Portability and Accountability Act).",
    ),
    ("pci", "PCI", "Payment card data (PCI DSS)."),
]


def seed(apps, schema_editor):
    tag_model = apps.get_model("governance", "RegulatoryTag")
    for slug, name, description in BUILTIN_TAGS:
        tag_model.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "builtin": True}
        )
    apps.get_model("governance", "AuditChainHead").objects.get_or_create(pk=1)


def unseed(apps, schema_editor):
    tag_model = apps.get_model("governance", "RegulatoryTag")
    tag_model.objects.filter(slug__in=[slug for slug, _, _ in BUILTIN_TAGS], assets=None).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
