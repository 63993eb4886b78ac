from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from xiezuo.accounts import services as account_services
from xiezuo.accounts.models import Role, Side, User
from xiezuo.core.commands import XiezuoCommand
from xiezuo.core.errors import UserError
from xiezuo.regions import package
from xiezuo.regions.models import Region

# (user name, display name, office, side, region code, roles)
DEMO_USERS = [
    (
        "national",
        "国家协调员",
        "国务院扶贫办 东西部协作组",
        Side.NATIONAL,
        None,
        [Role.VIEWER, Role.REVIEWER, Role.ADMIN],
    ),
    (
        "jiangsu",
        "江苏省协作办",
        "江苏省对口帮扶协作办公室",
        Side.EAST,
        "320000",
        [Role.VIEWER, Role.REPORTER, Role.REVIEWER],
    ),
    (
        "suzhou",
        "苏州市协作办",
        "苏州市对口帮扶合作办公室",
        Side.EAST,
        "320500",
        [Role.VIEWER, Role.REPORTER, Role.REVIEWER],
    ),
    (
        "tongren",
        "铜仁市协作办",
        "铜仁市东西部协作办公室",
        Side.WEST,
        "520600",
        [Role.VIEWER, Role.REPORTER, Role.REVIEWER],
    ),
    (
        "yanhe",
        "沿河县协作办",
        "沿河土家族自治县东西部协作办公室",
        Side.WEST,
        "520627",
        [Role.VIEWER, Role.REPORTER],
    ),
    (
        "assessor",
        "交叉考核组",
        "东西部协作考核评价 交叉考核组",
        Side.NATIONAL,
        None,
        [Role.VIEWER, Role.ASSESSOR],
    ),
]


class Command(XiezuoCommand):
    help = (
        "Load the demo: divisions, the 832 poverty counties, code changes, a registry for 铜仁, "
        "demo users, the 2016 pairs with county pairs and an agreement."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--from",
            dest="source",
            type=Path,
            help="load divisions from this CSV directory instead of the package",
        )
        parser.add_argument(
            "--people",
            type=int,
            default=20000,
            help="registered people to generate for 铜仁's poverty counties",
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="load the divisions again even if they are already loaded",
        )

    def run(self, *args: Any, **options: Any) -> None:
        source = options.get("source")
        edition = (source.name if source else package.EDITION)[:20]
        loaded = Region.objects.filter(edition=edition, is_active=True).exists()
        if loaded and not options.get("reload"):
            self.stdout.write(f"区划已加载（{edition}），跳过；用 --reload 重新加载")
            call_command("regions", "flags", stdout=self.stdout)
            call_command("regions", "codes", stdout=self.stdout)
        elif source:
            call_command("regions", "setup", "--from", str(source), stdout=self.stdout)
        else:
            call_command("regions", "setup", stdout=self.stdout)
        self._registry(options.get("people", 20000))
        logins = self._users()
        from xiezuo.pairing.demo import demo_pairings

        demo_pairings(stdout=self.stdout)
        from xiezuo.assessment.demo import demo_assessment
        from xiezuo.labour.demo import demo_labour

        demo_labour(stdout=self.stdout)

        demo_assessment(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("\n演示账号 Demo logins:"))
        for username, display, _office, _side, code, _roles in DEMO_USERS:
            where = code or "全国"
            self.stdout.write(f"  {username:<10} 密码 {logins[username]:<16} {display}（{where}）")

    def _registry(self, people: int) -> None:
        from xiezuo.registry.models import Household
        from xiezuo.registry.services import poverty_lines_load

        poverty_lines_load(actor=None)
        if Household.objects.exists() or people <= 0:
            self.stdout.write("建档立卡数据已存在，跳过生成")
            return
        # The demo's western side: the poverty counties of 铜仁 (paired with 苏州).
        counties = ",".join(
            Region.objects.filter(
                code__startswith="5206", level=3, is_poverty_county=True
            ).values_list("code", flat=True)
        )
        if not counties:
            self.stdout.write("铜仁的区划未加载，跳过生成建档立卡数据")
            return
        call_command(
            "generate",
            "registry",
            "--people",
            str(people),
            "--counties",
            counties,
            "--seed",
            "2016",
            stdout=self.stdout,
        )

    @transaction.atomic
    def _users(self) -> dict[str, str]:
        path = Path(settings.DATA_DIR) / "demo_logins.json"
        logins: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        for username, display, office, side, code, roles in DEMO_USERS:
            password = logins.setdefault(username, secrets.token_urlsafe(9))
            region = Region.objects.filter(code=code).first() if code else None
            if code and region is None:
                raise UserError(f"演示账号 {username} 的区划 {code} 未加载")
            user = User.objects.filter(username=username).first()
            if user is None:
                account_services.user_create(
                    username=username,
                    password=password,
                    side=side,
                    region=region,
                    roles=list(roles),
                    actor=None,
                    full_name=display,
                    organisation=office,
                    check_password=False,
                )
            else:
                account_services.user_update(
                    user=user,
                    actor=None,
                    side=side,
                    region=region,
                    roles=sorted(roles),
                    is_active=True,
                )
                if not user.check_password(password):
                    user.set_password(password)
                    user.save(update_fields=["password"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(logins, indent=2))
        path.chmod(0o600)
        return logins
