from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import GUIZHOU, TONGREN, YANHE


def _client(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_chinese_by_default_even_for_an_english_browser(county_user: Any) -> None:
    client = _client(county_user, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = client.get("/").content.decode()
    assert "权限范围内的区划" in body and "Regions in your scope" not in body


def test_language_switch_to_english_and_back(county_user: Any) -> None:
    client = _client(county_user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Regions in your scope" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "权限范围内的区划" in client.get("/").content.decode()


def test_home_shows_scope_counts_and_exit_chart_data(county_user: Any) -> None:
    response = _client(county_user).get("/")
    body = response.content.decode()
    assert 'data-testid="level-counts"' in body
    assert 'id="exit-years"' in body and "2020" in body


def test_region_root_takes_a_county_user_to_its_province(county_user: Any) -> None:
    response = _client(county_user).get("/regions/")
    assert response.status_code == 302 and response["Location"] == f"/regions/{GUIZHOU}/"


def test_region_page_shows_children_counts_and_poverty_flag(county_user: Any) -> None:
    client = _client(county_user)
    prefecture = client.get(f"/regions/{TONGREN}/").content.decode()
    assert "沿河土家族自治县" in prefecture and "碧江区" not in prefecture
    county = client.get(f"/regions/{YANHE}/").content.decode()
    assert 'data-testid="poverty-flag"' in county and "2020" in county


def test_region_page_runs_a_fixed_number_of_queries(national_user: Any) -> None:
    client = _client(national_user)
    client.get(f"/regions/{GUIZHOU}/")  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(f"/regions/{YANHE}/")
    with CaptureQueriesContext(connection) as large:
        client.get(f"/regions/{GUIZHOU}/")  # many more children
    assert len(small) == len(large) <= 10


def test_old_code_redirects_to_current_region(national_user: Any) -> None:
    response = _client(national_user).get("/regions/130721/")
    assert response.status_code == 302 and response["Location"] == "/regions/130705/"


def test_malformed_code_is_a_clear_404(county_user: Any) -> None:
    response = _client(county_user).get("/regions/52x/")
    assert response.status_code == 404
    assert "不是有效的区划代码" in response.content.decode()
    other = _client(county_user).get("/regions/520602/")
    assert "不在您的权限范围内" in other.content.decode()


def test_htmx_search_returns_a_fragment(national_user: Any) -> None:
    response = _client(national_user).get("/regions/search/", {"q": "沿河"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and YANHE in body


def test_export_is_a_real_workbook(county_user: Any) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    response = _client(county_user).get(f"/regions/{YANHE}/export.xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "区划代码"
    assert all(str(r[0]).startswith(YANHE) for r in rows[1:]) and len(rows) > 1


def test_assets_are_served_by_the_app_without_cdn(county_user: Any) -> None:
    body = _client(county_user).get("/").content.decode()
    assert "http://" not in body.replace("http://testserver", "") and "https://" not in body
    for asset in (
        "vendor/htmx/htmx.min.js",
        "vendor/echarts/echarts.min.js",
        "vendor/pico/pico.min.css",
        "xiezuo/app.css",
    ):
        assert f"/static/{asset}" in body or asset.startswith("vendor/echarts")
        response = Client().get(f"/static/{asset}")
        assert response.status_code == 200, asset


def test_favicon_is_served_by_the_app(db: None) -> None:
    from django.test import Client

    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("xiezuo/favicon.svg")


def test_an_eastern_home_page_points_to_its_pairings(regions: None) -> None:
    from tests.factories import UserFactory

    east = UserFactory(username="sz", side="east", region_id="320500", roles=["viewer"])
    page = _client(east).get("/").content.decode()
    assert 'data-testid="east-no-counties"' in page and "没有国家级贫困县" not in page


def test_region_picker_offers_regions_by_name_within_scope(county_user: Any) -> None:
    client = _client(county_user)
    found = client.get(
        "/regions/search/",
        {"format": "options", "field": "recipient", "recipient": "沿河"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert '<option value="520627">' in found
    outside = client.get(
        "/regions/search/", {"format": "options", "field": "recipient", "recipient": "碧江"}
    ).content.decode()
    assert "<option" not in outside  # 碧江 is not in 沿河's scope
