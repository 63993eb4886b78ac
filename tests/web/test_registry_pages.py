from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.factories import UserFactory
from xiezuo.audit.models import AuditEvent
from xiezuo.core import crypto
from xiezuo.imports import services as imports
from xiezuo.imports.models import ImportBatch
from xiezuo.registry.models import Household, Member


@pytest.fixture
def loaded(generated_rows: list[dict[str, str]], write_csv: Callable[..., Path]) -> None:
    path = write_csv(generated_rows)
    batch = imports.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_filters_pages_and_scopes(
    loaded: None, county_user: Any, other_county_user: Any
) -> None:
    client = _client(county_user)
    page = client.get("/registry/").content.decode()
    total = Household.objects.count()
    assert f"共 {total} 户" in page
    exited = Household.objects.filter(status="exited").count()
    filtered = client.get("/registry/", {"status": "exited"}).content.decode()
    assert f"共 {exited} 户" in filtered
    other = _client(other_county_user).get("/registry/").content.decode()
    assert "共 0 户" in other
    number = Household.objects.first().number  # type: ignore[union-attr]
    assert _client(other_county_user).get(f"/registry/households/{number}/").status_code == 404


def test_list_runs_a_fixed_number_of_queries(loaded: None, county_user: Any) -> None:
    client = _client(county_user)
    client.get("/registry/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/registry/")
    assert len(queries) <= 7  # with the count of cross-region conflicts waiting


def test_detail_masks_ids_and_reveal_is_role_checked_and_audited(
    loaded: None, county_user: Any
) -> None:
    household = Household.objects.first()
    assert household is not None
    member = household.members.first()
    assert member is not None
    full = crypto.decrypt(member.id_enc)
    page = _client(county_user).get(f"/registry/households/{household.number}/").content.decode()
    assert member.id_masked in page and full not in page
    assert 'data-testid="exit-check"' in page
    # A viewer/reporter may not see the whole number.
    denied = _client(county_user).post(f"/registry/members/{member.pk}/reveal/")
    assert denied.status_code == 403
    reviewer = UserFactory(username="reviewer", side="west", region_id="520627", roles=["reviewer"])
    shown = _client(reviewer).post(f"/registry/members/{member.pk}/reveal/")
    assert shown.status_code == 200 and full in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert AuditEvent.objects.filter(
        action="view", actor=reviewer, object_id=str(member.pk)
    ).exists()
    outsider = UserFactory(username="outsider", side="west", region_id="520602", roles=["reviewer"])
    assert _client(outsider).post(f"/registry/members/{member.pk}/reveal/").status_code == 404


def test_statistics_and_exit_check(loaded: None, county_user: Any) -> None:
    client = _client(county_user)
    stats = client.get("/registry/statistics/").content.decode()
    assert f">{Household.objects.count()}<" in stats.replace(",", "")
    assert f">{Member.objects.count()}<" in stats.replace(",", "")
    bad = Household.objects.filter(status="exited").first()
    assert bad is not None
    Household.objects.filter(pk=bad.pk).update(housing_secure=False)
    report = client.get("/registry/exit-check/").content.decode()
    assert bad.number in report and "住房安全未保障" in report


def test_export_is_the_filtered_list(loaded: None, county_user: Any) -> None:
    response = _client(county_user).get("/registry/export.xlsx", {"status": "exited"})
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "户编号"
    assert len(rows) - 1 == Household.objects.filter(status="exited").count()
    assert {r[5] for r in rows[1:]} == {"已脱贫"}
    # The members of those households on a second sheet, IDs masked, labels not codes.
    members = list(book["成员"].iter_rows(values_only=True))
    exited = Member.objects.filter(household__status="exited")
    assert members[0][:3] == ("户编号", "人编号", "姓名") and len(members) - 1 == exited.count()
    assert {r[0] for r in members[1:]} == {r[0] for r in rows[1:]}
    first = exited.order_by("household__number", "pk").first()
    assert first is not None
    assert members[1][3] == first.id_masked and crypto.decrypt(first.id_enc) not in str(members)
    assert members[1][6] == first.get_relation_display()


def test_upload_check_preview_commit_in_the_browser_flow(
    lines: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    county_user: Any,
) -> None:
    client = _client(county_user)
    path = write_csv(generated_rows)
    with path.open("rb") as handle:
        response = client.post("/imports/", {"kind": "registry", "file": handle})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.state == "parsed" and batch.created_by == county_user
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="preview"' in page and 'data-testid="commit"' in page
    assert not Household.objects.exists()
    client.post(f"/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.state == "committed"
    assert Member.objects.count() == len(generated_rows)
    # The list names the batch's kind and who brought it in.
    listed = client.get("/imports/").content.decode()
    row = listed.split('data-testid="batches"')[1]
    assert "建档立卡户及成员" in row and county_user.username in row


@pytest.fixture
def checked_for_the_worker(
    lines: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    county_user: Any,
    settings: Any,
) -> ImportBatch:
    """A checked batch of the county user's, with tasks left to a background worker (the
    database queue) rather than run at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    path = write_csv(generated_rows)
    batch = imports.batch_create(
        kind="registry", filename=path.name, source=path, actor=county_user
    )
    return imports.batch_parse(batch, user=county_user)


def test_a_commit_waits_for_the_worker_with_the_page_polling_and_is_asked_once(
    checked_for_the_worker: ImportBatch, generated_rows: list[dict[str, str]], county_user: Any
) -> None:
    """With a real background worker the commit happens later: until then the batch says it is
    waiting, the page keeps polling and offers no second commit, and a second click (or API
    call) queues nothing more."""
    from django_tasks_db.models import DBTaskResult

    batch = checked_for_the_worker
    client = _client(county_user)
    client.post(f"/imports/{batch.pk}/commit/")
    client.post(f"/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.state == "queued" and batch.message == "已排队，等待写入"
    assert DBTaskResult.objects.filter(task_path__endswith="commit_batch_task").count() == 1
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "等待写入" in page and 'hx-trigger="every 1s"' in page
    assert 'data-testid="commit"' not in page
    response = client.post(f"/api/imports/{batch.pk}/commit")
    assert response.status_code == 400 and "尚未提交" in response.json()["detail"]
    # The worker's turn: the queued batch is written.
    imports.batch_commit(batch, actor=county_user)
    batch.refresh_from_db()
    assert batch.state == "committed"
    assert Member.objects.count() == len(generated_rows)


def test_a_queued_commit_the_worker_refuses_goes_back_to_checked(
    checked_for_the_worker: ImportBatch, county_user: Any
) -> None:
    """A batch whose check result is gone by the time the worker takes it is not left waiting
    (the page would poll for ever): it is checked again, with the reason."""
    from xiezuo.imports import staging
    from xiezuo.imports.tasks import commit_batch_task

    batch = checked_for_the_worker
    assert imports.batch_queue_commit(batch, actor=county_user)
    assert not imports.batch_queue_commit(batch, actor=county_user)
    staging.checked_path(batch).unlink()
    commit_batch_task.call(str(batch.pk), county_user.pk)  # the worker's turn
    batch.refresh_from_db()
    assert batch.state == "parsed" and "检查结果已不在" in batch.message
    assert not Household.objects.exists()


def test_upload_with_errors_shows_them_and_cannot_commit(
    lines: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    county_user: Any,
) -> None:
    rows = [dict(r) for r in generated_rows]
    rows[0]["证件号码"] = "4.30101E+17"
    client = _client(county_user)
    with write_csv(rows).open("rb") as handle:
        response = client.post("/imports/", {"kind": "registry", "file": handle})
    page = client.get(response["Location"]).content.decode()
    assert "科学计数法" in page and 'data-testid="commit"' not in page
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/commit/")
    assert not Household.objects.exists()


def test_only_the_uploader_sees_a_batch_and_viewers_cannot_upload(
    lines: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    county_user: Any,
    other_county_user: Any,
) -> None:
    with write_csv(generated_rows).open("rb") as handle:
        _client(county_user).post("/imports/", {"kind": "registry", "file": handle})
    batch = ImportBatch.objects.get()
    assert _client(other_county_user).get(f"/imports/{batch.pk}/").status_code == 404
    with write_csv(generated_rows).open("rb") as handle:
        denied = _client(other_county_user).post("/imports/", {"kind": "registry", "file": handle})
    assert denied.status_code == 403


def test_template_download(county_user: Any) -> None:
    response = _client(county_user).get("/imports/template/registry.xlsx")
    book = load_workbook(BytesIO(response.content))
    header = [c.value for c in book["建档立卡"][1]]
    assert header[:3] == ["县", "乡", "行政村"] and "证件号码" in header
    assert "说明" in book.sheetnames


def test_search_by_name_number_and_id_without_the_id_in_any_url(
    loaded: None, county_user: Any
) -> None:
    household = Household.objects.order_by("number").last()
    assert household is not None
    member = household.members.first()
    assert member is not None
    client = _client(county_user)
    by_name = client.post("/registry/search/", {"q": member.name})
    page = client.get(by_name["Location"])
    assert household in page.context["page"].object_list
    by_number = client.get(f"/registry/?q={household.number}").context["page"]
    assert [h.number for h in by_number] == [household.number]
    full = crypto.decrypt(member.id_enc)
    by_id = client.post("/registry/search/", {"q": full.lower()})
    assert by_id["Location"] == "/registry/?id=1" and full not in by_id["Location"]
    shown = client.get(by_id["Location"])
    assert [h.number for h in shown.context["page"]] == [household.number]
    assert full not in shown.content.decode()  # the list masks it, the URL never held it
    # Another county's user finds nothing with the same number.
    other = _client(UserFactory(username="bj", side="west", region_id="520602", roles=["viewer"]))
    other.post("/registry/search/", {"q": full})
    assert not list(other.get("/registry/?id=1").context["page"])


def test_problems_are_summed_up_and_downloadable_beside_the_original_rows(
    lines: None,
    generated_rows: list[dict[str, str]],
    write_csv: Callable[..., Path],
    county_user: Any,
    other_county_user: Any,
) -> None:
    rows = [dict(r) for r in generated_rows]
    rows[0]["务工状况"] = "村（组）内务工"
    rows[0]["危房户"] = "也许"
    client = _client(county_user)
    with write_csv(rows).open("rb") as handle:
        response = client.post("/imports/", {"kind": "registry", "file": handle})
    batch = ImportBatch.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="problem-kinds"' in page and "务工状况：1 处" in page
    assert "村（组）内务工" in page and 'data-testid="commit"' not in page
    download = client.get(f"/imports/{batch.pk}/problems.xlsx")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    sheet = load_workbook(BytesIO(download.content)).active
    assert sheet is not None
    table = [r for r in sheet.iter_rows(values_only=True) if r[0] is not None]
    assert table[0][:4] == ("行号", "列", "值", "原因") and "姓名" in table[0]
    assert {(r[0], r[1], r[2]) for r in table[1:]} == {
        (2, "务工状况", "村（组）内务工"),
        (2, "危房户", "也许"),
    }
    name_at = table[0].index("姓名")
    assert {r[name_at] for r in table[1:]} == {rows[0]["姓名"]}
    # Another office's user gets nothing of it.
    assert _client(other_county_user).get(f"/imports/{batch.pk}/problems.xlsx").status_code == 404
