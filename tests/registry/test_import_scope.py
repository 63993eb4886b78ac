"""An import stays inside its uploader's own subtree: another region's household or person is
refused in words that say nothing about that region, the conflict goes to the office above
both, and a file never moves a household along a forbidden status change."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIJIANG, TONGREN, YANHE
from tests.factories import UserFactory
from xiezuo.audit.models import AuditEvent
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.imports import services
from xiezuo.imports.models import ImportBatch, ImportIssue
from xiezuo.registry import selectors
from xiezuo.registry import services as registry
from xiezuo.registry.models import Household, Member, ScopeConflict

pytestmark = pytest.mark.django_db


def _import(path: Path, user: Any) -> ImportBatch:
    batch = services.batch_create(kind="registry", filename=path.name, source=path, actor=user)
    return services.batch_parse(batch, user=user)


def _messages(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return list(ImportIssue.objects.filter(batch=batch).values_list("row", "column", "message"))


@pytest.fixture
def loaded(generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]) -> None:
    services.batch_commit(
        services.batch_parse(
            services.batch_create(
                kind="registry", filename="yanhe.csv", source=write_csv(generated_rows), actor=None
            ),
            user=None,
        ),
        actor=None,
    )


@pytest.fixture
def bijiang_user(regions: None) -> Any:
    return UserFactory(username="bijiang", side="west", region_id=BIJIANG, roles=["reporter"])


def _household(rows: list[dict[str, str]], number: str) -> list[dict[str, str]]:
    return [copy.deepcopy(r) for r in rows if r["户编号"] == number]


def _into_bijiang(rows: list[dict[str, str]], village: str) -> list[dict[str, str]]:
    for row in rows:
        row["行政村代码"] = village
        for name in ("县", "乡镇", "行政村"):
            row.pop(name, None)
    return rows


def test_another_countys_household_is_refused_in_the_same_words_as_a_number_that_is_not_there(
    loaded: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    bijiang_user: Any,
    bijiang_village_code: str,
) -> None:
    number = generated_rows[0]["户编号"]
    taken = _into_bijiang(_household(generated_rows, number), bijiang_village_code)
    batch = _import(write_csv(taken, name="take.csv"), bijiang_user)
    found = _messages(batch)
    # Every row of the household is named, and nothing tells which county holds the number.
    assert [r for r, _c, _m in found] == list(range(2, 2 + len(taken)))
    assert {m for _r, _c, m in found} == {f"户编号 {number} 不属于您管辖范围内的村，不能由您导入"}
    assert all("沿河" not in m and YANHE not in m.replace(number, "") for _r, _c, m in found)
    with pytest.raises(UserError):
        services.batch_commit(batch, actor=bijiang_user)
    assert Household.objects.get(number=number).village_id.startswith(YANHE)

    invented = YANHE + "999999999"
    ghost = _into_bijiang(copy.deepcopy(taken), bijiang_village_code)
    for row in ghost:
        row["户编号"] = invented
    unknown = _messages(_import(write_csv(ghost, name="ghost.csv"), bijiang_user))
    assert {m for _r, _c, m in unknown} == {
        f"户编号 {invented} 不属于您管辖范围内的村，不能由您导入"
    }

    # The conflict waits for 铜仁, the office above both counties; neither county sees it.
    conflict = ScopeConflict.objects.get()
    assert conflict.office_id == TONGREN and conflict.kind == "household"
    assert AuditEvent.objects.filter(action="refused", actor=bijiang_user).exists()
    yanhe_user = UserFactory(username="yh", side="west", region_id=YANHE, roles=["reviewer"])
    assert not selectors.conflicts_for(user=yanhe_user).exists()
    assert not selectors.conflicts_for(user=bijiang_user).exists()
    with pytest.raises(Forbidden):
        registry.conflict_resolve(actor=yanhe_user, conflict=conflict, transfer=True, note="x")
    tongren = UserFactory(username="tr", side="west", region_id=TONGREN, roles=["reviewer"])
    assert list(selectors.conflicts_for(user=tongren)) == [conflict]
    with pytest.raises(UserError, match="须说明理由"):
        registry.conflict_resolve(actor=tongren, conflict=conflict, transfer=True, note=" ")
    registry.conflict_resolve(actor=tongren, conflict=conflict, transfer=True, note="户籍迁入碧江")
    assert Household.objects.get(number=number).village_id == bijiang_village_code
    assert not selectors.conflicts_for(user=tongren).exists()

    # Checking the same file again raises no second conflict.
    _import(
        write_csv(taken, name="take2.csv"),
        UserFactory(username="yh2", side="west", region_id=YANHE, roles=["reporter"]),
    )


def test_a_person_registered_elsewhere_is_refused_without_naming_the_household(
    loaded: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    bijiang_user: Any,
    bijiang_village_code: str,
) -> None:
    first = generated_rows[0]
    rows = _into_bijiang(_household(generated_rows, first["户编号"]), bijiang_village_code)
    own_number = bijiang_village_code + "001"
    for row in rows:
        row["户编号"] = own_number
    found = _messages(_import(write_csv(rows, name="person.csv"), bijiang_user))
    assert found and all(
        c == "证件号码" and m == "该证件号码不能登记在本户：须由上级协作办核实（已提交核实）"
        for _r, c, m in found
    ), found
    conflict = ScopeConflict.objects.filter(kind="member").first()
    assert conflict is not None and conflict.office_id == TONGREN
    assert Member.objects.filter(household__number=first["户编号"]).count() == len(rows)


def test_a_cancelled_household_is_never_revived_by_a_file(
    loaded: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
) -> None:
    number = generated_rows[0]["户编号"]
    household = Household.objects.get(number=number)
    Household.objects.filter(pk=household.pk).update(status="cancelled")
    rows = _household(generated_rows, number)
    for row in rows:
        row["脱贫属性"], row["脱贫年度"] = "已脱贫", "2019"
    user = UserFactory(username="yhr", side="west", region_id=YANHE, roles=["reporter"])
    found = _messages(_import(write_csv(rows, name="revive.csv"), user))
    assert len(found) == len(rows)
    assert all(
        c == "脱贫属性" and m == f"户 {number} 的状态不能从“注销”改为“已脱贫”" for _r, c, m in found
    ), found
    assert Household.objects.get(number=number).status == "cancelled"


def test_the_office_above_both_sees_and_decides_on_its_page(
    loaded: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    bijiang_user: Any,
    bijiang_village_code: str,
) -> None:
    from django.test import Client

    number = generated_rows[0]["户编号"]
    taken = _into_bijiang(_household(generated_rows, number), bijiang_village_code)
    _import(write_csv(taken, name="take.csv"), bijiang_user)
    conflict = ScopeConflict.objects.get()

    outsider = Client()
    outsider.force_login(bijiang_user)
    assert number not in outsider.get("/registry/conflicts/").content.decode()
    refused = outsider.post(
        f"/registry/conflicts/{conflict.pk}/", {"decision": "transfer", "note": "x"}
    )
    assert refused.status_code == 404

    office = Client()
    office.force_login(
        UserFactory(username="tr", side="west", region_id=TONGREN, roles=["viewer", "reviewer"])
    )
    listing = office.get("/registry/").content.decode()
    assert 'data-testid="conflicts-waiting"' in listing
    page = office.get("/registry/conflicts/").content.decode()
    assert f'data-testid="conflict-{conflict.pk}"' in page and f"transfer-{conflict.pk}" in page
    missing = office.post(f"/registry/conflicts/{conflict.pk}/", {"decision": "dismiss"})
    assert missing.status_code == 302
    conflict.refresh_from_db()
    assert conflict.state == "open"  # no reason given: nothing decided
    office.post(f"/registry/conflicts/{conflict.pk}/", {"decision": "dismiss", "note": "文件有误"})
    conflict.refresh_from_db()
    assert conflict.state == "dismissed" and conflict.note == "文件有误"
    assert Household.objects.get(number=number).village_id.startswith(YANHE)
