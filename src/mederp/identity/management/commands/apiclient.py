"""``mederp apiclient NAME --role ROLE``: create an API client and print its token once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mederp.core.actors import Actor
from mederp.core.errors import DomainError
from mederp.identity import services


class Command(BaseCommand):
    help = "Create an API client (MES, WMS, LIMS...) with roles and print its bearer token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--role", action="append", default=[], dest="roles")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            _user, token = services.create_api_client(
                Actor.system("mederp apiclient"), name=opts["name"], roles=opts["roles"]
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.render_message()}") from exc
        self.stdout.write(token)
