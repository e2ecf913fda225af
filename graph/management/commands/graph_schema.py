"""Create the graph store's constraints and indexes (idempotent), and say what was done."""

from django.core.management.base import BaseCommand, CommandError

from graph.store import get_store
from graph.store.base import StoreError


class Command(BaseCommand):
    help = "Create the constraints and indexes of the configured graph store (idempotent)."

    def handle(self, *args, **options):
        store = get_store()
        try:
            done = store.apply_schema()
        except StoreError as exc:
            raise CommandError(str(exc)) from exc
        for line in done:
            self.stdout.write(f"{store.name}: {line}")
        self.stdout.write(self.style.SUCCESS(f"{store.name} graph store schema is ready"))
