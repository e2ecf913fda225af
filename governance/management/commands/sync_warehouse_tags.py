"""Suggest the tags and masking policies a warehouse has set, for stewards to accept or reject."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.warehouse_sync import warehouse_tags_sync, warehouse_tags_sync_demo
from graph.demo import DEMO_SOURCE_NAME
from graph.models import Source


class Command(BaseCommand):
    help = (
        "Read TAG_REFERENCES and POLICY_REFERENCES of a Snowflake source and create pending "
        "tag and masking suggestions; prints what it did. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="The name of the Source, e.g. demo-snowflake.")

    def handle(self, *args, source: str, **options):
        row = Source.objects.filter(name=source).first()
        if row is None:
            names = ", ".join(Source.objects.order_by("name").values_list("name", flat=True))
            raise CommandError(f"No source named {source!r}. Sources: {names or 'none yet'}.")
        if row.name == DEMO_SOURCE_NAME and row.options.get("emulator"):
            # The demo emulator only runs while something holds it open: start it here.
            report = warehouse_tags_sync_demo()
        else:
            try:
                report = warehouse_tags_sync(source=row)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(report.summary())
