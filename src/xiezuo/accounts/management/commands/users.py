from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import CommandError

from xiezuo.accounts import lockout, services
from xiezuo.accounts.models import ApiToken, Role, Side, User
from xiezuo.core.commands import XiezuoCommand
from xiezuo.regions.models import Region


def _password(options: dict[str, Any], prompt: str) -> str:
    """From standard input with --password-stdin (scripts, no terminal), else asked at the
    terminal; without either, a clear message instead of getpass's traceback."""
    if options.get("password_stdin"):
        text = sys.stdin.readline().rstrip("\r\n")
        if not text:
            raise CommandError("标准输入中没有密码（--password-stdin 读取第一行）")
        return text
    if not sys.stdin.isatty():
        raise CommandError("没有终端可以输入密码：请用 --password-stdin 从标准输入传入")
    return getpass.getpass(prompt)


class Command(XiezuoCommand):
    help = (
        "Accounts: create a user, set a password, create, list or revoke API tokens, lift a "
        "login lockout."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--side", choices=Side.values, required=True)
        create.add_argument("--region", help="region code (not for national users)")
        create.add_argument("--role", action="append", choices=Role.values, default=[])
        create.add_argument("--name", default="")
        create.add_argument("--password-stdin", action="store_true")
        create.add_argument("--actor", default="")
        password = sub.add_parser("password")
        password.add_argument("username")
        password.add_argument("--password-stdin", action="store_true")
        password.add_argument("--actor", default="")
        token = sub.add_parser("token")
        token.add_argument("username")
        token.add_argument("--name", default="cli")
        token.add_argument("--days", type=int, default=services.TOKEN_DAYS)
        token.add_argument("--revoke", metavar="NAME", help="revoke the user's tokens of NAME")
        token.add_argument("--list", action="store_true", help="list the user's tokens")
        token.add_argument("--actor", default="")
        unlock = sub.add_parser("unlock")
        unlock.add_argument("username")
        unlock.add_argument("--actor", default="")

    def run(self, *args: Any, **options: Any) -> None:
        actor = self.actor(options)
        action = options["action"]
        if action == "create":
            region = None
            if options.get("region"):
                region = Region.objects.filter(code=options["region"]).first()
                if region is None:
                    raise CommandError(f"没有代码为 {options['region']} 的区划")
            created = services.user_create(
                username=options["username"],
                password=_password(options, "密码: "),
                side=options["side"],
                region=region,
                roles=options["role"] or [Role.VIEWER],
                actor=actor,
                full_name=options["name"],
            )
            self.stdout.write(f"已创建用户 {created.username}")
            return
        if action == "unlock":
            n = lockout.unlock(username=options["username"], actor=actor)
            self.stdout.write(f"已解除 {options['username']} 的登录锁定（{n} 条失败记录）")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']}")
        if action == "password":
            services.user_set_password(
                user=user, password=_password(options, "新密码: "), actor=actor
            )
            self.stdout.write("密码已更新")
        elif options.get("list"):
            for t in ApiToken.objects.filter(user=user).order_by("created_at"):
                state = "已吊销" if t.revoked_at else f"有效期至 {t.expires_at:%Y-%m-%d}"
                self.stdout.write(f"{t.name}\t创建于 {t.created_at:%Y-%m-%d}\t{state}")
        elif options.get("revoke"):
            tokens = list(ApiToken.objects.filter(user=user, name=options["revoke"]))
            if not tokens:
                raise CommandError(f"{user.username} 没有名为“{options['revoke']}”的令牌")
            for t in tokens:
                services.api_token_revoke(token=t, actor=actor)
            self.stdout.write(f"已吊销 {len(tokens)} 个令牌")
        else:
            _token, key = services.api_token_create(
                user=user, name=options["name"], actor=actor, days=options["days"]
            )
            # The token itself only on stdout (for a script to capture); shown this once.
            self.stdout.write(key)
            self.stderr.write(f"令牌只显示这一次，有效期 {options['days']} 天。")
