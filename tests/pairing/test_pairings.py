"""Pairing rules, the 2016 list, and what each user sees through its pairings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import BIJIANG, JIANGSU, SUZHOU, TONGREN, WUZHONG, YANHE
from tests.factories import UserFactory
from xiezuo.accounts.scope import scope_for
from xiezuo.audit.models import AuditEvent
from xiezuo.core.errors import UserError
from xiezuo.pairing import selectors, services
from xiezuo.pairing.choices import Kind, Level, OrganisationKind, Status
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.registry.models import Household

pytestmark = pytest.mark.django_db


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def test_2016_list_loads_once_with_levels_and_no_parents(pairs_2016: None) -> None:
    assert Pairing.objects.count() == 32
    suzhou_tongren = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    assert suzhou_tongren.level == Level.PREFECTURE
    assert suzhou_tongren.kind == Kind.EAST_WEST and suzhou_tongren.start_year == 2016
    assert Pairing.objects.get(east_region="330000", west_region="510000").level == Level.PROVINCE
    assert services.pairs_2016_load(actor=None) == 0  # a second load adds nothing
    assert Pairing.objects.count() == 32


def test_county_pair_finds_its_parent_and_is_audited(wuzhong_yanhe: Pairing) -> None:
    assert wuzhong_yanhe.level == Level.COUNTY
    assert wuzhong_yanhe.parent is not None
    assert (wuzhong_yanhe.parent.east_region_id, wuzhong_yanhe.parent.west_region_id) == (
        SUZHOU,
        TONGREN,
    )
    event = AuditEvent.objects.get(object_type="pairing.pairing", object_id=str(wuzhong_yanhe.pk))
    assert event.action == AuditEvent.Action.CREATE


def problems_of(exc: pytest.ExceptionInfo[UserError]) -> list[tuple[str, str]]:
    return [(p.where, p.message) for p in exc.value.problems]


def test_helping_side_must_be_in_the_east(pairs_2016: None) -> None:
    with pytest.raises(UserError) as exc:
        services.pairing_create(
            actor=None, east_region=region("130700"), west=region(YANHE), start_year=2017
        )
    assert any(where == "帮扶方" and "不在东部协作省市" in m for where, m in problems_of(exc))
    assert not Pairing.objects.filter(east_region="130700").exists()


def test_named_central_unit_may_help_but_a_western_company_may_not(pairs_2016: None) -> None:
    central = services.organisation_get_or_create(
        actor=None, name="国家开发银行", kind=OrganisationKind.CENTRAL
    )
    pair = services.pairing_create(
        actor=None, east_org=central, west=region(YANHE), start_year=2016, kind=Kind.DESIGNATED
    )
    assert pair.level == Level.COUNTY and pair.east_name == "国家开发银行"
    local = services.organisation_get_or_create(
        actor=None, name="铜仁某公司", kind=OrganisationKind.ENTERPRISE, region=region(TONGREN)
    )
    with pytest.raises(UserError, match="既不是中央单位"):
        services.pairing_create(actor=None, east_org=local, west=region(YANHE), start_year=2017)


def test_no_unit_pairs_with_itself_or_its_own_subtree(pairs_2016: None) -> None:
    with pytest.raises(UserError, match="同一地区或上下级"):
        services.pairing_create(
            actor=None, east_region=region(SUZHOU), west=region(WUZHONG), start_year=2017
        )


def test_duplicate_active_pair_names_the_existing_one(wuzhong_yanhe: Pairing) -> None:
    with pytest.raises(UserError) as exc:
        services.pairing_create(
            actor=None, east_region=region(WUZHONG), west=region(YANHE), start_year=2018
        )
    assert f"编号 {wuzhong_yanhe.pk}" in exc.value.problems[0].message
    # Once ended, the same two may pair again.
    services.pairing_end(actor=None, pairing=wuzhong_yanhe, end_year=2018)
    again = services.pairing_create(
        actor=None, east_region=region(WUZHONG), west=region(YANHE), start_year=2019
    )
    assert again.status == Status.ACTIVE


def test_county_pair_outside_any_parent_needs_a_reason(pairs_2016: None) -> None:
    # 吴中 (苏州) → 一个陕西的县: 苏州's own pair is with 铜仁, but 江苏 → 陕西 contains it.
    shaanxi_county = Region.objects.filter(code__startswith="61", level=3).first()
    assert shaanxi_county is not None
    inside = services.pairing_create(
        actor=None, east_region=region(WUZHONG), west=shaanxi_county, start_year=2017
    )
    assert inside.parent is not None and inside.parent.east_region_id == JIANGSU
    # A 广东 county → 沿河: no pair contains it.
    guangdong_county = Region.objects.filter(code__startswith="4401", level=3).first()
    assert guangdong_county is not None
    with pytest.raises(UserError) as exc:
        services.pairing_create(
            actor=None, east_region=guangdong_county, west=region(YANHE), start_year=2017
        )
    assert problems_of(exc)[0][0] == "不在上级结对内的理由"
    ok = services.pairing_create(
        actor=None,
        east_region=guangdong_county,
        west=region(YANHE),
        start_year=2017,
        outside_parent_reason="国务院扶贫办批准的跨省调整",
    )
    assert ok.parent is None and ok.outside_parent_reason


def test_explicit_parent_that_does_not_contain_the_pair_needs_a_reason(pairs_2016: None) -> None:
    parent = Pairing.objects.get(east_region="330100", west_region="522600")  # 杭州 → 黔东南
    with pytest.raises(UserError, match="不在上级结对"):
        services.pairing_create(
            actor=None,
            east_region=region(WUZHONG),
            west=region(YANHE),
            start_year=2017,
            parent=parent,
        )


def test_end_refuses_while_children_are_active(wuzhong_yanhe: Pairing) -> None:
    parent = wuzhong_yanhe.parent
    assert parent is not None
    with pytest.raises(UserError, match="下级结对"):
        services.pairing_end(actor=None, pairing=parent, end_year=2020)
    services.pairing_end(actor=None, pairing=wuzhong_yanhe, end_year=2020)
    services.pairing_end(actor=None, pairing=parent, end_year=2020)
    parent.refresh_from_db()
    assert parent.status == Status.ENDED and parent.end_year == 2020


def test_only_planners_of_one_side_may_create(
    pairs_2016: None, suzhou_user: Any, wuzhong_user: Any, county_user: Any
) -> None:
    with pytest.raises(UserError, match="审核人或管理员"):
        services.pairing_create(
            actor=wuzhong_user, east_region=region(WUZHONG), west=region(YANHE), start_year=2017
        )
    with pytest.raises(UserError, match="国家"):
        services.pairing_create(
            actor=suzhou_user, east_region=region(SUZHOU), west=region("520500"), start_year=2017
        )
    made = services.pairing_create(
        actor=suzhou_user, east_region=region(WUZHONG), west=region(YANHE), start_year=2017
    )
    assert made.created_by == suzhou_user
    hangzhou_reviewer = UserFactory(side="east", region_id="330100", roles=["reviewer"])
    with pytest.raises(UserError, match="不在您所在地区"):
        services.pairing_create(
            actor=hangzhou_reviewer,
            east_region=region("320507"),
            west=region(BIJIANG),
            start_year=2017,
        )


def test_scope_adds_the_partners_of_the_pairings_in_the_users_subtree(
    wuzhong_yanhe: Pairing, suzhou_user: Any, wuzhong_user: Any, county_user: Any
) -> None:
    # 苏州 sees all of 铜仁 (its prefecture pair); 吴中 only 沿河; 沿河 sees 吴中.
    suzhou = scope_for(suzhou_user)
    assert suzhou.covers(BIJIANG) and suzhou.covers(YANHE) and suzhou.covers(WUZHONG)
    assert TONGREN not in suzhou.path and "520000" in suzhou.path  # 贵州 to browse through
    wuzhong = scope_for(wuzhong_user)
    assert wuzhong.covers(YANHE) and not wuzhong.covers(BIJIANG)
    yanhe = scope_for(county_user)
    assert yanhe.covers(WUZHONG) and not yanhe.covers("320507")
    # Ending the pair ends the view.
    services.pairing_end(actor=None, pairing=wuzhong_yanhe, end_year=2020)
    assert not scope_for(wuzhong_user).covers(YANHE)


def test_partner_scope_reaches_the_partners_registry(
    wuzhong_yanhe: Pairing, wuzhong_user: Any, county_user: Any, generated_rows: Any
) -> None:
    from xiezuo.registry.selectors import household_list

    Household.objects.create(
        number="5206270000000001",
        village_id=Region.objects.filter(code__startswith=YANHE, level=5).first().pk,  # type: ignore[union-attr]
        size=3,
    )
    assert household_list(user=wuzhong_user).count() == 1
    other = UserFactory(side="east", region_id="320507", roles=["viewer"])
    assert household_list(user=other).count() == 0


def test_pairing_list_and_get_are_scoped(
    wuzhong_yanhe: Pairing, wuzhong_user: Any, other_county_user: Any
) -> None:
    assert list(selectors.pairing_list(user=wuzhong_user)) == [wuzhong_yanhe]
    # 碧江 sees 苏州 → 铜仁? No: only pairs with a side in its own subtree or its partners'.
    visible = selectors.pairing_list(user=other_county_user)
    assert wuzhong_yanhe not in visible
    with pytest.raises(UserError):
        selectors.pairing_get(user=other_county_user, pk=wuzhong_yanhe.pk)


def test_partners_read_each_others_registry_but_do_not_change_or_reveal_it(
    wuzhong_yanhe: Pairing, generated_rows: Any, write_csv: Any
) -> None:
    from xiezuo.core.errors import Forbidden
    from xiezuo.imports import services as imports
    from xiezuo.registry import selectors as registry
    from xiezuo.registry import services as registry_services

    path = write_csv(generated_rows)
    batch = imports.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    wuzhong = UserFactory(side="east", region_id=WUZHONG, roles=["reporter", "reviewer"])
    household = registry.household_list(user=wuzhong).first()
    assert household is not None  # 吴中 reads 沿河's registry …
    with pytest.raises(Forbidden):  # … but does not change it
        registry_services.household_set_status(
            household=household, status="cancelled", actor=wuzhong, reason="x"
        )
    member = household.members.first()
    with pytest.raises(Forbidden, match="结对对方"):
        registry_services.member_reveal_id(member=member, user=wuzhong)
    # Nor import households into it.
    again = imports.batch_create(kind="registry", filename=path.name, source=path, actor=wuzhong)
    checked = imports.batch_parse(again, user=wuzhong)
    assert checked.rows_with_errors > 0


def test_a_partners_other_pairings_stay_out_of_sight(
    wuzhong_yanhe: Pairing, wuzhong_user: Any
) -> None:
    central = services.organisation_get_or_create(
        actor=None, name="国家开发银行", kind=OrganisationKind.CENTRAL
    )
    other = services.pairing_create(
        actor=None, east_org=central, west=region(YANHE), start_year=2016, kind=Kind.DESIGNATED
    )
    visible = set(selectors.pairing_list(user=wuzhong_user).values_list("pk", flat=True))
    assert wuzhong_yanhe.pk in visible and other.pk not in visible


def test_a_pairing_past_its_end_year_grants_no_partner_scope(
    wuzhong_yanhe: Pairing, wuzhong_user: Any
) -> None:
    services.pairing_update(actor=None, pairing=wuzhong_yanhe, end_year=2020)
    wuzhong_yanhe.refresh_from_db()
    assert wuzhong_yanhe.status == Status.ENDED
    assert not scope_for(wuzhong_user).covers(YANHE)
