"""The optimizer on the platform's data: building the instance from the pairs, the divisions,
the registry and the fiscal panel; solving a proposal; comparing; accepting; explaining
infeasibility; and the page, the API and the CLI doors to it."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.conftest import SUZHOU, TONGREN, WUZHONG, YANHE
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.pairing import optimizing
from xiezuo.pairing.choices import Level, Status
from xiezuo.pairing.models import Pairing, Proposal
from xiezuo.regions.models import Region

pytestmark = pytest.mark.django_db


def tongren_counties() -> list[str]:
    return list(
        Region.objects.filter(code__startswith="5206", level=3, is_poverty_county=True)
        .order_by("code")
        .values_list("code", flat=True)
    )


def typed_needs() -> dict[str, float]:
    # Deterministic, uneven needs: 20,000 to 65,000 people.
    return {code: 20000.0 + 5000 * i for i, code in enumerate(tongren_counties())}


def test_build_tongren_instance_from_the_2016_pairs(pairs_2016: None) -> None:
    built = optimizing.build(optimizing.Params(west_region=TONGREN, needs=typed_needs()))
    west = {u.code for u in built.instance.west}
    east = {u.code for u in built.instance.east}
    assert west == set(tongren_counties()) and YANHE in west
    assert east and all(code.startswith("3205") for code in east)  # 苏州's counties only
    assert all(built.instance.allowed[w] == frozenset(east) for w in west)
    assert WUZHONG in east and "估算" in built.sources[WUZHONG]  # 苏州's revenue split
    assert built.parents == {SUZHOU: "苏州市"}


def test_missing_need_names_each_county(pairs_2016: None) -> None:
    needs = typed_needs()
    needs.pop(YANHE)
    with pytest.raises(UserError) as exc:
        optimizing.build(optimizing.Params(west_region=TONGREN, needs=needs))
    assert [p.where for p in exc.value.problems] == ["needs"]
    assert "沿河土家族自治县（520627）没有建档立卡数据" in exc.value.problems[0].message


def test_registered_people_are_the_default_need(
    pairs_2016: None, generated_rows: list[dict[str, str]], write_csv: Any
) -> None:
    from xiezuo.imports import services as imports

    path = write_csv(generated_rows)
    batch = imports.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    needs = typed_needs()
    needs.pop(YANHE)
    built = optimizing.build(optimizing.Params(west_region=TONGREN, needs=needs))
    yanhe = next(u for u in built.instance.west if u.code == YANHE)
    assert yanhe.value == sum(
        int(r["人数"]) for r in {r["户编号"]: r for r in generated_rows}.values()
    )
    assert built.sources[YANHE] == "建档立卡人数"


def test_solve_compare_and_accept(
    pairs_2016: None, suzhou_user: Any, tongren_user: Any, wuzhong_yanhe: Any
) -> None:
    params = optimizing.Params(west_region=TONGREN, needs=typed_needs(), max_per_east=1)
    proposal = optimizing.proposal_solve(
        optimizing.proposal_create(actor=suzhou_user, params=params)
    )
    assert proposal.state == Proposal.State.PROPOSED, proposal.result
    solution = proposal.result["solution"]
    assert set(solution["assignment"]) == set(tongren_counties())
    assert len(set(solution["assignment"].values())) == len(tongren_counties())  # at most 1 each
    assert solution["status"] == "optimal"
    comparison = proposal.result["comparison"]
    assert comparison["county"]["covered"] == 1  # 吴中 → 沿河 exists
    assert list(comparison["parent"]["proposed"]["east"]) == [SUZHOU]
    # The east may propose, but only the west's own office rewrites its counties' pairings.
    with pytest.raises(Forbidden, match="不在您所在地区之内"):
        optimizing.proposal_accept(actor=suzhou_user, proposal=proposal, start_year=2027)
    created = optimizing.proposal_accept(actor=tongren_user, proposal=proposal, start_year=2027)
    county_pairs = Pairing.objects.filter(
        level=Level.COUNTY, status__in=(Status.ACTIVE, Status.PROPOSED)
    )
    assert county_pairs.count() == len(tongren_counties())
    # Made by the west, each new pair waits for its eastern county to confirm it.
    assert set(
        county_pairs.filter(status=Status.PROPOSED).values_list("confirm_side", flat=True)
    ) <= {"east"}
    kept_or_ended = Pairing.objects.get(pk=wuzhong_yanhe.pk)
    if solution["assignment"][YANHE] == WUZHONG:
        assert created == len(tongren_counties()) - 1 and kept_or_ended.status == Status.ACTIVE
    else:
        assert kept_or_ended.status == Status.ENDED and kept_or_ended.end_year == 2026
    assert all(p.parent and p.parent.east_region_id == SUZHOU for p in county_pairs)
    with pytest.raises(UserError, match="只有待确认的方案"):
        optimizing.proposal_accept(actor=tongren_user, proposal=proposal)


def test_infeasible_is_explained_not_a_solver_error(pairs_2016: None, suzhou_user: Any) -> None:
    needs = typed_needs()
    east = [
        u.code
        for u in optimizing.build(optimizing.Params(west_region=TONGREN, needs=needs)).instance.east
    ]
    # Forbid every 苏州 unit for 沿河: 沿河 has no partner left.
    params = optimizing.Params(
        west_region=TONGREN, needs=needs, forbidden=[(e, YANHE) for e in east]
    )
    proposal = optimizing.proposal_solve(
        optimizing.proposal_create(actor=suzhou_user, params=params)
    )
    assert proposal.state == Proposal.State.INFEASIBLE
    assert any("沿河" in p for p in proposal.result["problems"])


def test_only_managers_and_only_in_scope(
    pairs_2016: None, wuzhong_user: Any, suzhou_user: Any
) -> None:
    with pytest.raises(UserError, match="审核人或管理员"):
        optimizing.proposal_create(
            actor=wuzhong_user, params=optimizing.Params(west_region=TONGREN)
        )
    with pytest.raises(UserError, match="全国范围只有国家级"):
        optimizing.proposal_create(actor=suzhou_user, params=optimizing.Params())
    with pytest.raises(UserError, match="不在您的范围内"):
        optimizing.proposal_create(
            actor=suzhou_user, params=optimizing.Params(west_region="522600")
        )


def test_page_runs_a_proposal_and_accepts_it(pairs_2016: None, tongren_user: Any) -> None:
    client = Client()
    client.force_login(tongren_user)
    assert client.get("/pairings/optimizer/").status_code == 200
    needs = "\n".join(f"{c},{int(v)}" for c, v in typed_needs().items())
    response = client.post(
        "/pairings/optimizer/",
        {
            "west_region": TONGREN,
            "year": "2020",
            "max_per_east": "2",
            "deep_weight": "1.5",
            "time_limit": "20",
            "needs": needs,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = Proposal.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert proposal.state == Proposal.State.PROPOSED
    assert 'data-testid="comparison-chart"' in page and "沿河土家族自治县" in page
    client.post(response["Location"], {"action": "accept", "start_year": "2027"})
    assert Pairing.objects.filter(level=Level.COUNTY).count() == len(tongren_counties())
    bad = client.post(
        "/pairings/optimizer/",
        {
            "west_region": TONGREN,
            "year": "2020",
            "max_per_east": "2",
            "deep_weight": "1.5",
            "time_limit": "20",
            "needs": "520627;abc",
        },
    )
    assert "应为两项" in bad.content.decode()


def test_api_and_cli(pairs_2016: None, national_user: Any, tmp_path: Any) -> None:
    client = Client()
    client.force_login(national_user)
    answer = client.post(
        "/api/pairings/proposals",
        {"west_region": TONGREN, "needs": typed_needs(), "max_per_east": 2},
        content_type="application/json",
    )
    assert answer.status_code == 202
    got = client.get(f"/api/pairings/proposals/{answer.json()['id']}").json()
    assert got["state"]["code"] == "proposed" and got["result"]["solution"]["status"] == "optimal"
    needs = tmp_path / "needs.csv"
    needs.write_text("县代码,人数\n" + "\n".join(f"{c},{v}" for c, v in typed_needs().items()))
    out = io.StringIO()
    call_command(
        "pairing",
        "optimize",
        "--west-region",
        TONGREN,
        "--needs",
        str(needs),
        "--max-per-east",
        "2",
        stdout=out,
    )
    assert "最大负担比" in out.getvalue() and "沿河土家族自治县" in out.getvalue()
    with pytest.raises(CommandError, match="没有建档立卡数据"):
        call_command("pairing", "optimize", "--west-region", TONGREN, stdout=io.StringIO())


def test_the_regions_a_proposal_rewrites_see_it_and_their_office_accepts_it(
    pairs_2016: None, suzhou_user: Any, tongren_user: Any
) -> None:
    from tests.factories import UserFactory

    params = optimizing.Params(west_region=TONGREN, needs=typed_needs(), max_per_east=2)
    proposal = optimizing.proposal_solve(
        optimizing.proposal_create(actor=suzhou_user, params=params)
    )
    url = f"/pairings/proposals/{proposal.pk}/"
    west = Client()
    west.force_login(tongren_user)
    page = west.get(url).content.decode()
    assert 'data-testid="accept"' in page and 'data-testid="discard"' not in page
    yanhe = Client()
    yanhe.force_login(UserFactory(username="yh", side="west", region_id=YANHE, roles=["reviewer"]))
    assert yanhe.get(url).status_code == 404  # the prefecture's proposal, not 沿河's
    unrelated = Client()
    unrelated.force_login(
        UserFactory(username="qdn", side="west", region_id="522600", roles=["reviewer"])
    )
    assert unrelated.get(url).status_code == 404
    west.post(url, {"action": "accept", "start_year": "2027"})
    county = (
        Pairing.objects.filter(level=Level.COUNTY, west_region=YANHE)
        .exclude(status=Status.ENDED)
        .get()
    )
    detail = yanhe.get(f"/pairings/{county.pk}/").content.decode()
    # Named, but no link to what 沿河 may not open: the proposal, the prefecture pair.
    assert f"结对方案 {proposal.pk}" in detail and f'href="{url}"' not in detail
    assert f'href="/pairings/{county.parent_id}/"' not in detail
    assert f'href="{url}"' in west.get(f"/pairings/{county.pk}/").content.decode()


def test_loads_read_in_people_per_100_million_yuan(
    pairs_2016: None, tongren_user: Any, wuzhong_yanhe: Any
) -> None:
    params = optimizing.Params(west_region=TONGREN, needs=typed_needs(), max_per_east=2)
    proposal = optimizing.proposal_solve(
        optimizing.proposal_create(actor=tongren_user, params=params)
    )
    client = Client()
    client.force_login(tongren_user)
    page = client.get(f"/pairings/proposals/{proposal.pk}/").content.decode()
    largest = proposal.result["solution"]["loads"]["stats"]["max_ratio"]
    shown = page.split('data-testid="max-ratio">')[1].split("<")[0]
    assert float(shown.replace(",", "")) == pytest.approx(largest * 10_000, abs=0.01)
    assert "人/亿元" in page
    # Each proposed county says whether it keeps today's partner: 吴中 → 沿河 is today's.
    kept = proposal.result["solution"]["assignment"][YANHE] == WUZHONG
    assert (f'data-testid="kept-{YANHE}"' in page) == kept
    assert (f'data-testid="new-{YANHE}"' in page) != kept


def test_the_page_states_the_proof_of_the_largest_load(
    pairs_2016: None, tongren_user: Any, national_user: Any
) -> None:
    from tests.pairing.test_optimizer import hard_instance
    from xiezuo.pairing import optimizer

    params = optimizing.Params(west_region=TONGREN, needs=typed_needs(), max_per_east=2)
    proposal = optimizing.proposal_solve(
        optimizing.proposal_create(actor=tongren_user, params=params)
    )
    proof = proposal.result["solution"]["proof"]
    assert proof["status"] == "optimal" and proof["method"] == optimizer.CP_SAT
    assert "已证明最优：CP-SAT 下界" in proposal.message
    client = Client()
    client.force_login(tongren_user)
    page = client.get(f"/pairings/proposals/{proposal.pk}/").content.decode()
    assert 'data-testid="optimality">已证明最优<' in page
    assert "最大负担的证明：方案值" in page and "（CP-SAT 约束求解），差距" in page

    # Neither CP-SAT nor HiGHS, given a fraction of a second, proves the hard instance.
    solution = optimizer.solve(
        hard_instance(), time_limit=0.2, tie_break_limit=0.1, certify_limit=0.05, workers=1
    )
    assert solution.proof is not None and not solution.proof.proven
    unproven = Proposal.objects.create(
        title="未证明的方案",
        state=Proposal.State.PROPOSED,
        result={"solution": json.loads(json.dumps(solution.to_json()))},
    )
    client.force_login(national_user)
    page = client.get(f"/pairings/proposals/{unproven.pk}/").content.decode()
    assert 'data-testid="optimality">未证明<' in page
    assert f"与最优界的相对差距 {solution.proof.gap:.2%}" in page
    assert 'data-milp="limit"' in page and "秒内未能证明最优" in page
