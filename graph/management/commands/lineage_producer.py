"""``manage.py lineage_producer NAME``: a user for one OpenLineage producer, with its role.

Creates the user if it does not exist (without a password: it signs in with its token
only) and gives it the Lineage producer role, the only role that may post lineage. Then
``manage.py drf_create_token NAME`` issues its token, as for any user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser

from lineage_portal.access import LINEAGE_PRODUCER


class Command(BaseCommand):
    help = "Create (or find) the user of an OpenLineage producer and give it the Lineage producer role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the producer's user name, e.g. airflow-prod")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        user, created = get_user_model().objects.get_or_create(username=name)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=LINEAGE_PRODUCER)[0])
        self.stdout.write(
            f"{'Created' if created else 'Found'} user {name} with the {LINEAGE_PRODUCER} role. "
            f"Issue its token with: manage.py drf_create_token {name}"
        )
