from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import CommandError

from xiezuo.accounts import services
from xiezuo.accounts.models import Role, Side, User
from xiezuo.core.commands import XiezuoCommand
from xiezuo.regions.models import Region


class Command(XiezuoCommand):
    help = "Accounts: create a user, set a password, create an API token."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--side", choices=Side.values, required=True)
        create.add_argument("--region", help="region code (not for national users)")
        create.add_argument("--role", action="append", choices=Role.values, default=[])
        create.add_argument("--name", default="")
        create.add_argument("--actor", default="")
        password = sub.add_parser("password")
        password.add_argument("username")
        password.add_argument("--actor", default="")
        token = sub.add_parser("token")
        token.add_argument("username")
        token.add_argument("--name", default="cli")
        token.add_argument("--actor", default="")

    def run(self, *args: Any, **options: Any) -> None:
        actor = self.actor(options)
        action = options["action"]
        if action == "create":
            region = None
            if options.get("region"):
                region = Region.objects.filter(code=options["region"]).first()
                if region is None:
                    raise CommandError(f"没有代码为 {options['region']} 的区划")
            password = getpass.getpass("密码: ")
            created = services.user_create(
                username=options["username"],
                password=password,
                side=options["side"],
                region=region,
                roles=options["role"] or [Role.VIEWER],
                actor=actor,
                full_name=options["name"],
            )
            self.stdout.write(f"已创建用户 {created.username}")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']}")
        if action == "password":
            services.user_set_password(user=user, password=getpass.getpass("新密码: "), actor=actor)
            self.stdout.write("密码已更新")
        else:
            _token, key = services.api_token_create(user=user, name=options["name"], actor=actor)
            self.stdout.write(key)
