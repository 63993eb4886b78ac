from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import DIVISIONS
from xiezuo.accounts.models import User


@pytest.mark.django_db
def test_demo_loads_regions_flags_and_four_working_logins(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path  # the demo keeps its logins in the data directory
    out = StringIO()
    call_command("demo", "--from", str(DIVISIONS), stdout=out)
    printed = out.getvalue()
    logins = json.loads((Path(settings.DATA_DIR) / "demo_logins.json").read_text())
    assert set(logins) >= {"national", "jiangsu", "tongren", "yanhe"}
    for username, password in logins.items():
        assert f"{username}" in printed and password in printed
        assert (
            Client().post("/login/", {"username": username, "password": password}).status_code
            == 302
        ), username
    assert User.objects.get(username="tongren").region_id == "520600"
    assert "已标记国家级贫困县 831 个" in printed
    # Running it again keeps the same logins and skips the division load.
    again = StringIO()
    call_command("demo", "--from", str(DIVISIONS), stdout=again)
    assert "区划已加载" in again.getvalue()
    assert json.loads((Path(settings.DATA_DIR) / "demo_logins.json").read_text()) == logins
