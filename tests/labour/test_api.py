"""The labour API: a posting refused naming the field, a run, proposed matches decided in
bulk, a placement flagged; another county's matches are out of reach."""

from __future__ import annotations

import datetime

from django.test import Client

from tests.conftest import SUZHOU, WUZHONG, YANHE
from tests.labour.conftest import CODE
from xiezuo.labour import services
from xiezuo.labour.choices import MatchState
from xiezuo.labour.models import Match
from xiezuo.registry import idnumbers

POSTING = {
    "employer": "苏州某电子有限公司",
    "employer_code": CODE,
    "place": WUZHONG,
    "sector": "manufacturing",
    "wage": 5000,
    "slots": 2,
    "start": "2026-07-01",
    "east_unit": SUZHOU,
    "dorm": True,
}


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_posting_run_decide_and_placement(members, county_user, suzhou_reporter, pairs):
    east = client_for(suzhou_reporter)
    bad = east.post(
        "/api/labour/postings",
        {**POSTING, "requirements": "限本地户口"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "户籍" in bad.content.decode()
    made = east.post("/api/labour/postings", POSTING, content_type="application/json")
    assert made.status_code == 201, made.content
    services.workers_sync(actor=county_user, region_code=YANHE, today=datetime.date(2026, 6, 30))
    west = client_for(county_user)
    run = west.post("/api/labour/runs", {"west_code": YANHE}, content_type="application/json")
    assert run.status_code == 201 and run.json()["matched"] == 2
    listed = west.get("/api/labour/matches").json()
    assert listed["count"] == 2 and "结对 +40" in listed["results"][0]["explanation"]
    ids = [m["id"] for m in listed["results"]]
    decided = west.post(
        "/api/labour/matches/decide",
        {"match_ids": ids, "accept": True},
        content_type="application/json",
    )
    assert decided.json() == {"decided": 2}
    assert Match.objects.filter(state=MatchState.ACCEPTED).count() == 2
    number = idnumbers.make_resident_id(YANHE, datetime.date(2008, 1, 1), 30, male=True)
    placed = west.post(
        "/api/labour/placements",
        {
            "person_name": "某",
            "id_number": number,
            "employer": "某厂",
            "place": WUZHONG,
            "start": "2020-03-01",
            "wage": 4000,
            "organiser": "east",
            "organiser_region": SUZHOU,
        },
        content_type="application/json",
    )
    assert placed.status_code == 201
    assert set(placed.json()["flags"]) == {"unregistered", "under_age"}


def test_other_county_sees_no_matches(
    members, county_user, other_county_user, suzhou_reporter, pairs
):
    client_for(suzhou_reporter).post(
        "/api/labour/postings", POSTING, content_type="application/json"
    )
    services.workers_sync(actor=county_user, region_code=YANHE, today=datetime.date(2026, 6, 30))
    services.match_run(actor=county_user, west_code=YANHE)
    other = client_for(other_county_user)
    assert other.get("/api/labour/matches").json()["count"] == 0
    ids = list(Match.objects.values_list("pk", flat=True))
    refused = other.post(
        "/api/labour/matches/decide",
        {"match_ids": ids, "accept": True},
        content_type="application/json",
    )
    assert refused.status_code == 403
