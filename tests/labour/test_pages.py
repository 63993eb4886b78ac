"""The labour page: a western county sees its workers, its partners' postings and proposed
matches, and accepts them in bulk; another county cannot decide them."""

from __future__ import annotations

import datetime

from django.urls import reverse

from tests.labour.conftest import TODAY, posting_in
from xiezuo.labour import services
from xiezuo.labour.choices import MatchState
from xiezuo.labour.models import Match


def test_county_page_lists_and_bulk_accepts(client, members, county_user, suzhou_reporter, pairs):
    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    services.posting_create(actor=suzhou_reporter, data=posting_in(slots=2))
    services.match_run(actor=county_user, west_code="520627", today=TODAY)
    client.force_login(county_user)
    page = client.get(reverse("web:labour"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "苏州某电子有限公司" in text and "人1" in text and "结对 +40" in text
    ids = [str(pk) for pk in Match.objects.values_list("pk", flat=True)]
    response = client.post(reverse("web:labour_decide"), {"match": ids, "decision": "accept"})
    assert response.status_code == 302
    assert Match.objects.filter(state=MatchState.ACCEPTED).count() == 2


def test_another_county_cannot_decide(
    client, members, county_user, other_county_user, suzhou_reporter, pairs
):
    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    services.posting_create(actor=suzhou_reporter, data=posting_in(slots=2))
    services.match_run(actor=county_user, west_code="520627", today=TODAY)
    other_county_user.roles = ["viewer", "reporter"]
    other_county_user.save()
    client.force_login(other_county_user)
    ids = [str(pk) for pk in Match.objects.values_list("pk", flat=True)]
    response = client.post(reverse("web:labour_decide"), {"match": ids, "decision": "accept"})
    assert response.status_code in (403, 404)
    assert not Match.objects.filter(state=MatchState.ACCEPTED).exists()
    assert datetime.date.today()
