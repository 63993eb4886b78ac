"""A shared base for every `xiezuo` command: one way to report a UserError and to name the actor."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xiezuo.core.errors import UserError


class XiezuoCommand(BaseCommand):
    """Subclasses implement `run`. A UserError becomes a clear message and exit status 1."""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--actor", default="", help="user name recorded in the audit trail (default: system)"
        )

    def actor(self, options: dict[str, Any]) -> Any:
        name = options.get("actor") or ""
        if not name:
            return None
        from xiezuo.accounts.models import User

        user = User.objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"没有用户 {name}")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.run(*args, **options)
        except UserError as exc:
            raise CommandError(str(exc)) from exc

    def run(self, *args: Any, **options: Any) -> None:
        raise NotImplementedError
