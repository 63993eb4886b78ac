"""The attack of issue 11, in the suite: every URL pattern of Django's resolver (the admin
included) and every operation of the OpenAPI document is tried by users around the owner of
another region's data (see `world.py`): an object of a foreign family by id gives 403/404 and
nothing of it; lists, searches, statistics and exports hold none of its rows; writes change
nothing the victims own.

A route or operation missing from the tables below fails the test with its name, so a new
endpoint cannot skip the attack: add one line for it.

Templates: `{key}` is a foreign family's id or code (`world.Family.ids`: household, member,
region, township, county, pairing, proposed, report, fund, agreement, target, task, proposal,
batch, user, token, organisation, accessattempt, conflict, run, finding, attachment,
record_attachment, notification, worker,
posting, matchrun, match, placement, skill, person_id — an ID number of a person of the
family's county); a probe is tried against every foreign family that has all its keys. `{me}`
is the attacker's own region code.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security import world as w

pytestmark = pytest.mark.django_db

OBJECT, LIST, PUBLIC = "object", "list", "public"
# A refused object: not found, or forbidden. The admin answers an object it does not show with
# a redirect to its index ("does not exist"), checked to go nowhere near the object.
REFUSED = {403, 404}
ADMIN_REFUSED = {302, 403, 404}
TODAY = f"{w.YEAR}-05-01"
FUND_VALUES = {
    "date": TODAY,
    "kind": "财政援助资金",
    "source": "攻击者写入",
    "recipient": "{county}",
    "amount": "1",
}


@dataclass(frozen=True)
class Probe:
    """How one route is attacked. `kind`: OBJECT (a foreign object by id: refused), LIST (a
    list, search, statistic or export: answers, without foreign rows), PUBLIC (no data)."""

    kind: str
    path: str
    queries: tuple[dict[str, Any], ...] = ({},)
    posts: tuple[dict[str, Any], ...] = ()
    get: bool = True
    # Writes that may succeed for the attacker's own sake (its own import batch, a pairing it
    # only proposes); they still must change nothing of the victims'.
    own_success: bool = False
    files: bool = False


def o(path: str, *posts: dict[str, Any], get: bool = True) -> Probe:
    return Probe(OBJECT, path, posts=posts, get=get)


def li(path: str, *queries: dict[str, Any], posts: tuple[dict[str, Any], ...] = ()) -> Probe:
    return Probe(LIST, path, queries=({}, *queries), posts=posts)


def pub(path: str) -> Probe:
    return Probe(PUBLIC, path)


LABOUR_POSTING = {
    "employer": "攻击者劳务公司",
    "employer_code": w.CREDIT_CODE,
    "sector": "manufacturing",
    "wage": "6000",
    "slots": "5",
    "start": TODAY,
    "age_min": "16",
    "age_max": "60",
}
REGION_Q = ({"region": "{county}"}, {"region": "{region}"})
COOP_Q = ({"pairing": "{pairing}"}, {"region": "{county}"}, {"year": str(w.YEAR)})

# ------------------------------------------------------------------ pages: URL name -> probe
URLS: dict[str, Probe] = {
    "web:home": li("/"),
    # A user's own notifications only: another's is not found, marking all read marks its own.
    "web:notifications": li("/notifications/", {"unread": "1"}, {"page": "2"}),
    "web:notification_read": o("/notifications/{notification}/read/", {}, {"open": "1"}, get=False),
    "web:notification_read_all": Probe(LIST, "/notifications/read-all/", posts=({},), get=False),
    "web:login": pub("/login/"),
    "web:logout": pub("/logout/"),  # GET is refused (405); a POST would end the attack
    "web:healthz": pub("/healthz"),
    "set_language": pub("/i18n/setlang/"),
    "favicon": pub("/favicon.ico"),
    "web:region_root": li("/regions/"),
    "web:region_search": li("/regions/search/", {"q": "{county}"}, {"q": "攻防"}),
    "web:region_detail": o("/regions/{county}/"),
    "web:region_export": o("/regions/{county}/export.xlsx"),
    "web:household_list": li(
        "/registry/", *REGION_Q, {"status": "not_exited"}, {"q": "{household}"}
    ),
    "web:household_search": Probe(
        LIST, "/registry/search/", posts=({"q": "{household}"},), get=False
    ),
    "web:registry_conflicts": li("/registry/conflicts/", {"state": ""}),
    "web:coop_attachment_add": o("/cooperation/reports/{report}/attachments/", {}, get=False),
    "web:coop_attachment": o("/cooperation/attachments/{attachment}/"),
    "web:coop_attachment_delete": o(
        "/cooperation/attachments/{record_attachment}/delete/", {}, get=False
    ),
    "web:coop_record_attachment_add": o("/cooperation/fund/{fund}/attachments/", {}, get=False),
    "web:agreement_attachment_add": o(
        "/pairings/agreements/{agreement}/attachments/", {}, get=False
    ),
    "web:verify_index": Probe(LIST, "/verify/", posts=({"scope": "{county}"},)),
    "web:verify_run": o("/verify/runs/{run}/"),
    "web:verify_queue": o("/verify/runs/{run}/findings/"),
    "web:verify_export": o("/verify/runs/{run}/findings.xlsx"),
    "web:verify_decide": o(
        "/verify/findings/{finding}/decide/", {"decision": "dismissed", "reason": "攻击"}, get=False
    ),
    "web:verify_record": li("/verify/record/fund/{fund}/"),
    # The assessment: no attacker is a national reviewer, so runs and systems answer nothing of
    # anyone's; a foreign county's scorecard and its steps are refused.
    "web:assessment_index": li("/assessment/", {"year": str(w.YEAR)}, posts=({"year": w.YEAR},)),
    "web:overview": li("/overview/", {"year": str(w.YEAR)}),
    "web:assessment_run": o("/assessment/runs/{arun}/"),
    "web:assessment_systems": li("/assessment/systems/"),
    "web:assessment_system": li(
        "/assessment/systems/{asystem}/", posts=({"note": "攻击", "weight_W01": "90"},)
    ),
    "web:assessment_export": li(f"/assessment/{w.YEAR}/export.xlsx"),
    "web:assessment_card": o(
        f"/assessment/{w.YEAR}/west/{{unit}}/",
        {"step": "self", "text": "攻击"},
        {"step": "partner", "text": "攻击"},
        {"step": "final", "grade": "差"},
    ),
    "web:assessment_pdf": o(f"/assessment/{w.YEAR}/west/{{unit}}/report.pdf"),
    "web:assessment_assign": o(
        f"/assessment/{w.YEAR}/west/{{unit}}/assign/", {"assessor": "attacker-partner"}, get=False
    ),
    "web:registry_conflict_resolve": o(
        "/registry/conflicts/{conflict}/", {"decision": "transfer", "note": "攻击"}, get=False
    ),
    "web:household_export": li("/registry/export.xlsx", *REGION_Q),
    "web:registry_statistics": li("/registry/statistics/", *REGION_Q),
    "web:exit_check": li("/registry/exit-check/", {"year": "2019"}),
    "web:household_detail": o("/registry/households/{household}/"),
    "web:member_reveal": o("/registry/members/{member}/reveal/", {}, get=False),
    "web:pairing_list": li(
        "/pairings/",
        {"region": "{county}"},
        {"q": "临夏"},
        posts=(
            {
                "east_code": "{me}",
                "west_code": "{county}",
                "kind": "east_west",
                "start_year": "2026",
            },
        ),
    ),
    "web:pairing_network": li("/pairings/network.json"),
    "web:pairing_export": li("/pairings/export.xlsx", {"region": "{county}"}),
    "web:targets_export": li("/pairings/targets.xlsx", {"year": str(w.YEAR)}),
    "web:pairing_detail": o(
        "/pairings/{pairing}/",
        {"form": "agreement", "year": "2025"},
        {"form": "end", "end_year": "2026", "reason": "攻击"},
        {"form": "decline", "reason": "攻击"},
        {"form": "confirm"},
    ),
    "web:optimizer": li(
        "/pairings/optimizer/",
        posts=(
            {
                "west_region": "{county}",
                "year": "2020",
                "max_per_east": "3",
                "deep_weight": "1.5",
                "time_limit": "5",
            },
        ),
    ),
    "web:proposal_detail": o(
        "/pairings/proposals/{proposal}/", {"action": "accept"}, {"action": "discard"}
    ),
    "web:task_status": o("/pairings/tasks/{task}/status/", {"status": "done"}, get=False),
    "web:coop_index": li("/cooperation/", {"year": str(w.YEAR)}),
    "web:coop_reports": li("/cooperation/reports/", {"state": "submitted"}),
    "web:coop_report": o(
        "/cooperation/reports/{report}/",
        {"action": "approve"},
        {"action": "return", "comment": "攻击"},
        {"action": "unlock", "comment": "攻击"},
        {"action": "submit"},
    ),
    "web:coop_region": o("/cooperation/regions/{county}/"),
    "web:coop_list": li("/cooperation/fund/", *COOP_Q),
    "web:coop_export": li("/cooperation/fund/export.xlsx", *COOP_Q),
    "web:coop_new": li(
        "/cooperation/fund/new/",
        {"pairing": "{pairing}"},
        posts=(
            {
                "pairing": "{pairing}",
                "reporter": "{me}",
                "year": str(w.YEAR),
                **FUND_VALUES,
            },
        ),
    ),
    "web:coop_record": o("/cooperation/fund/{fund}/", {**FUND_VALUES, "amount": "999"}),
    "web:coop_delete": o("/cooperation/fund/{fund}/delete/", {}, get=False),
    "web:pairing_aid": o("/pairings/{pairing}/aid/"),
    "web:analysis_fiscal": li("/analysis/fiscal/", {"unit": "350200"}),
    "web:analysis_targeting": li("/analysis/targeting/", {"pairing": "{pairing}"}, *REGION_Q),
    "web:labour": li("/labour/", {"page": "2"}),
    # The run of a foreign region (the default, the user's own region, is its own business).
    "web:labour_run": o("/labour/run/", {"region": "{county}"}, get=False),
    # The check covers the attacker's own region only; it must change nothing of the victims'.
    "web:labour_quarter_check": Probe(
        LIST,
        "/labour/quarters/",
        posts=({"year": w.YEAR, "quarter": 1},),
        get=False,
        own_success=True,
    ),
    "web:labour_placement_end": o(
        "/labour/placements/{placement}/end/", {"end": "2026-05-02"}, {"end": ""}, get=False
    ),
    "web:labour_match_placement": o(
        "/labour/matches/{match}/placement/", {"start": "2026-05-02"}, get=False
    ),
    "web:labour_decide": o(
        "/labour/decide/",
        {"match": "{match}", "decision": "accept"},
        {"match": "{match}", "decision": "reject"},
        get=False,
    ),
    # A posting in the victims' name, or in the attacker's name at the victims' workplace.
    "web:labour_posting_new": Probe(
        LIST,
        "/labour/postings/new/",
        posts=(
            {**LABOUR_POSTING, "east_unit": "{county}", "place": "{county}"},
            {**LABOUR_POSTING, "east_unit": "{me}", "place": "{county}"},
        ),
        get=False,
    ),
    "web:labour_posting_close": o("/labour/postings/{posting}/close/", {}, get=False),
    "web:labour_worker": o("/labour/workers/{worker}/"),
    "web:labour_worker_quarter": o(
        "/labour/workers/{worker}/quarters/",
        {"year": str(w.YEAR), "quarter": "1", "status": "public"},
        get=False,
    ),
    **{
        f"web:labour_{kind}_xlsx": li(f"/labour/{kind}.xlsx")
        for kind in ("workers", "postings", "matches", "takers", "placements")
    },
    "web:import_list": Probe(LIST, "/imports/", posts=({"kind": "registry"},), own_success=True),
    "web:import_template": pub("/imports/template/registry.xlsx"),
    "web:import_problems": o("/imports/{batch}/problems.xlsx"),
    "web:import_detail": o("/imports/{batch}/"),
    "web:import_commit": o("/imports/{batch}/commit/", {}, get=False),
    # The admin's own pages; its model pages come from ADMIN_MODELS.
    "admin:index": li("/admin/"),
    "admin:login": pub("/admin/login/"),
    "admin:logout": pub("/admin/logout/"),
    "admin:password_change": pub("/admin/password_change/"),
    "admin:password_change_done": pub("/admin/password_change/done/"),
    "admin:jsi18n": pub("/admin/jsi18n/"),
    "admin:autocomplete": li(
        "/admin/autocomplete/",
        {
            "app_label": "accounts",
            "model_name": "user",
            "field_name": "region",
            "term": "攻防",
        },
    ),
    "admin:view_on_site": o("/admin/r/{household_ct}/{household_pk}/"),
    "admin:app_list": li("/admin/registry/", {}),
    "admin:catch_all": pub("/admin/no-such-page/"),
    # The API's own documents; its operations come from OPERATIONS.
    "api:openapi-json": pub("/api/openapi.json"),
    "api:openapi-view": pub("/api/docs"),
    "api:api-root": pub("/api/"),
}

# ------------------------------------------------- admin: model -> (family key, POST for add)
ADMIN_MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "accounts_user": (
        "user",
        {
            "username": "attacker-made",
            "password1": "Attacker-made-pw-1",
            "password2": "Attacker-made-pw-1",
            "side": "national",
            "region": "{county}",
            "roles": "admin",
        },
    ),
    "accounts_apitoken": ("token", {"user": "{user}", "name": "攻击令牌"}),
    "axes_accessattempt": ("accessattempt", {}),
    "audit_auditevent": ("audit", {}),
    "regions_region": (
        "region",
        {"code": "622921100299", "name": "攻击村", "level": "5", "parent": "{township}"},
    ),
    "regions_regioncodechange": ("codechange", {}),
    "pairing_organisation": ("organisation", {"name": "攻击企业", "kind": "enterprise"}),
    "pairing_pairing": (
        "pairing",
        {
            "east_region": "{me}",
            "west_region": "{county}",
            "kind": "east_west",
            "level": "3",
            "status": "active",
            "start_year": "2026",
        },
    ),
    "pairing_proposal": ("proposal", {}),
    "cooperation_report": ("report", {}),
    "django_tasks_database_dbtaskresult": ("taskresult", {}),
    "labour_skill": ("skill", {"code": "K99", "name": "攻击技能"}),
    "labour_worker": ("worker", {}),
    "labour_posting": ("posting", {}),
    "labour_matchrun": ("matchrun", {}),
    "labour_match": ("match", {}),
    "labour_placement": ("placement", {}),
}
# Shared directories no region owns: any admin may read them; writes must still change nothing.
ADMIN_REFERENCE = {"regions_regioncodechange", "pairing_organisation", "labour_skill"}
ADMIN_CHANGE = {"name": "攻击改名", "is_deep_poverty": "on", "side": "national", "roles": "admin"}

# --------------------------------------------------- API: operationId suffix -> probe
STATUS_BODY = {"status": "cancelled", "reason": "攻击"}
# Otherwise valid, so only the policy refuses it: a posting of the attacker's unit at a
# workplace of the victims', and one in the victims' unit's name.
POSTING_BODY = {
    "employer": "攻击者用工单位",
    "employer_code": w.CREDIT_CODE,
    "place": "{county}",
    "sector": "manufacturing",
    "wage": 6000,
    "slots": 5,
    "start": TODAY,
    "east_unit": "{me}",
}
# A placement of a person of the victims' county, claimed as organised by the attacker's unit
# (or by the victims' own).
PLACEMENT_BODY = {
    "person_name": "攻击者登记",
    "id_number": "{person_id}",
    "employer": "攻击者用工单位",
    "place": "{me}",
    "start": TODAY,
    "wage": 6000,
    "organiser": "east",
    "organiser_region": "{me}",
    "proofs": ["contract"],
}
OPERATIONS: dict[str, tuple[str, Probe]] = {
    "notification_list": ("GET", li("/api/notifications", {"unread": "true"})),
    "notification_read": ("POST", o("/api/notifications/{notification}/read", {}, get=False)),
    "notification_read_all": (
        "POST",
        Probe(LIST, "/api/notifications/read-all", posts=({},), get=False),
    ),
    "regions_search": ("GET", li("/api/regions/search", {"q": "{county}"}, {"q": "攻防"})),
    "region_get": ("GET", o("/api/regions/{county}")),
    "region_children": ("GET", o("/api/regions/{county}/children")),
    "me": ("GET", li("/api/me")),
    "household_list": ("GET", li("/api/registry/households", *REGION_Q)),
    "household_get": ("GET", o("/api/registry/households/{household}")),
    "household_set_status": (
        "POST",
        o("/api/registry/households/{household}/status", STATUS_BODY, get=False),
    ),
    "member_reveal_id": ("POST", o("/api/registry/members/{member}/reveal-id", {}, get=False)),
    "registry_statistics": ("GET", li("/api/registry/statistics", *REGION_Q)),
    "exit_check": ("GET", li("/api/registry/exit-check", {"year": "2019"})),
    "import_upload": (
        "POST",
        Probe(LIST, "/api/imports", posts=({"kind": "registry"},), get=False, own_success=True),
    ),
    "import_get": ("GET", o("/api/imports/{batch}")),
    "import_commit": ("POST", o("/api/imports/{batch}/commit", {}, get=False)),
    "pairing_list": (
        "GET",
        li("/api/pairings", {"region": "{county}"}, {"q": "临夏"}, {"status": "proposed"}),
    ),
    "pairing_create": (
        "POST",
        Probe(
            LIST,
            "/api/pairings",
            posts=(
                {"west_code": "{county}", "east_code": "{me}", "start_year": 2026},
                {
                    "west_code": "{county}",
                    "east_code": "{me}",
                    "start_year": 2026,
                    "parent_id": "{pairing}",
                },
            ),
            get=False,
            own_success=True,  # a proposal of its own, pending the other side (item 4)
        ),
    ),
    "pairing_network": ("GET", li("/api/pairings/network")),
    "pairing_get": ("GET", o("/api/pairings/{pairing}")),
    "pairing_end": (
        "POST",
        o("/api/pairings/{pairing}/end", {"end_year": 2026, "reason": "攻击"}, get=False),
    ),
    "pairing_confirm": ("POST", o("/api/pairings/{proposed}/confirm", {}, get=False)),
    "pairing_decline": (
        "POST",
        o("/api/pairings/{proposed}/decline", {"reason": "攻击"}, get=False),
    ),
    "agreement_create": (
        "POST",
        o("/api/pairings/{pairing}/agreements", {"year": 2025}, get=False),
    ),
    "target_set": (
        "PUT",
        o(
            "/api/agreements/{agreement}/targets/projects",
            {"value": 99, "deadline": f"{w.YEAR}-12-31", "responsible_unit": "攻击单位"},
            get=False,
        ),
    ),
    "target_schedule": ("POST", o("/api/targets/{target}/schedule", {}, get=False)),
    "task_create": (
        "POST",
        o("/api/targets/{target}/tasks", {"title": "攻击任务", "due": TODAY}, get=False),
    ),
    "task_status": ("POST", o("/api/tasks/{task}/status", {"status": "done"}, get=False)),
    "tasks_mine": ("GET", li("/api/tasks/mine")),
    "proposal_create": (
        "POST",
        Probe(
            LIST,
            "/api/pairings/proposals",
            posts=({"west_region": "{county}", "time_limit": 5},),
            get=False,
        ),
    ),
    "proposal_get": ("GET", o("/api/pairings/proposals/{proposal}")),
    "run_start": ("POST", Probe(LIST, "/api/verify/runs", posts=({"scope": "{county}"},))),
    "run_detail": ("GET", o("/api/verify/runs/{run}")),
    "run_findings": ("GET", o("/api/verify/runs/{run}/findings")),
    "run_overview": ("GET", o("/api/verify/runs/{run}/overview")),
    "run_export": ("GET", o("/api/verify/runs/{run}/findings.xlsx")),
    "finding_decide": (
        "POST",
        o("/api/verify/findings/{finding}/decide", {"decision": "dismissed", "reason": "攻击"}),
    ),
    "assessment_run_start": (
        "POST",
        Probe(LIST, "/api/assessment/runs", posts=({"year": w.YEAR},), get=False),
    ),
    "assessment_run_detail": ("GET", o("/api/assessment/runs/{arun}")),
    "assessment_results": ("GET", li(f"/api/assessment/{w.YEAR}/results")),
    # Indicator systems are national documents anyone may read; only a national administrator
    # may revise one.
    "assessment_system": ("GET", li("/api/assessment/systems/{asystem}")),
    "assessment_system_revise": (
        "POST",
        o("/api/assessment/systems/{asystem}/revise", {"changes": {}, "note": "攻击"}),
    ),
    "overview_get": ("GET", li("/api/overview", {"year": w.YEAR})),
    "assessment_card": ("GET", o(f"/api/assessment/{w.YEAR}/west/{{unit}}")),
    "assessment_report": ("GET", o(f"/api/assessment/{w.YEAR}/west/{{unit}}/report.pdf")),
    "assessment_step": (
        "POST",
        o(
            f"/api/assessment/{w.YEAR}/west/{{unit}}/steps",
            {"step": "partner", "text": "攻击"},
            {"step": "final", "grade": "差"},
        ),
    ),
    "proposal_accept": (
        "POST",
        o("/api/pairings/proposals/{proposal}/accept", {"start_year": 2026}, get=False),
    ),
    "proposal_discard": ("POST", o("/api/pairings/proposals/{proposal}/discard", {}, get=False)),
    "record_list": ("GET", li("/api/records/fund", *COOP_Q)),
    "record_create": (
        "POST",
        Probe(
            LIST,
            "/api/records/fund",
            posts=({"values": FUND_VALUES, "pairing_id": "{pairing}", "year": w.YEAR},),
            get=False,
        ),
    ),
    "record_get": ("GET", o("/api/records/fund/{fund}")),
    "record_update": (
        "PUT",
        o("/api/records/fund/{fund}", {"values": {**FUND_VALUES, "amount": "999"}}, get=False),
    ),
    "record_delete": ("DELETE", o("/api/records/fund/{fund}", get=False)),
    "report_list": ("GET", li("/api/reports", {"state": "submitted"}, {"year": str(w.YEAR)})),
    "report_queue": ("GET", li("/api/reports/review")),
    "report_submit": ("POST", o("/api/reports/{report}/submit", {}, get=False)),
    "report_review": (
        "POST",
        o("/api/reports/{report}/review", {"approve": True, "comment": "攻击"}, get=False),
    ),
    "report_unlock": (
        "POST",
        o("/api/reports/{report}/unlock", {"reason": "攻击"}, get=False),
    ),
    "posting_list": ("GET", li("/api/labour/postings", {"page": "2"})),
    "posting_create": (
        "POST",
        Probe(
            LIST,
            "/api/labour/postings",
            posts=(POSTING_BODY, {**POSTING_BODY, "east_unit": "{county}"}),
            get=False,
        ),
    ),
    "run_create": (
        "POST",
        o(
            "/api/labour/runs",
            {"west_code": "{county}"},
            {"west_code": "{county}", "method": "exact"},
            get=False,
        ),
    ),
    "match_list": ("GET", li("/api/labour/matches", {"page": "2"})),
    "match_decide": (
        "POST",
        o(
            "/api/labour/matches/decide",
            {"match_ids": ["{match}"], "accept": True},
            {"match_ids": ["{match}"], "accept": False},
            get=False,
        ),
    ),
    "placement_end": ("POST", o("/api/labour/placements/{placement}/end", {"end": None})),
    "quarter_check": (
        "POST",
        o("/api/labour/quarters", {"region": "{county}", "year": w.YEAR, "quarter": 1}),
    ),
    "employment_set": (
        "POST",
        o(
            "/api/labour/workers/{worker}/quarters",
            {"year": w.YEAR, "quarter": 1, "status": "public"},
        ),
    ),
    "placement_create": (
        "POST",
        Probe(
            LIST,
            "/api/labour/placements",
            posts=(
                PLACEMENT_BODY,
                {**PLACEMENT_BODY, "organiser_region": "{county}", "organiser": "west"},
            ),
            get=False,
        ),
    ),
    "fiscal_promise": ("GET", li("/api/analysis/fiscal", {"unit": "350200"})),
    "targeting": ("GET", li("/api/analysis/targeting", {"pairing": "{pairing}"}, *REGION_Q)),
}
# Operations whose body is empty: sent as JSON `{}` anyway (the handler must ignore it).
KEY = re.compile(r"\{(\w+)\}")


# ------------------------------------------------------------------------- enumeration
def url_patterns() -> list[tuple[str, str]]:
    """(key, route) of every URL pattern, recursing into includes. Unnamed admin patterns get a
    key from their route: the per-object redirect and the catch-all."""
    found: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace) if x) or None
                walk(p, prefix + str(p.pattern), ns)
                continue
            assert isinstance(p, URLPattern)
            route = prefix + str(p.pattern)
            name = p.name
            if name is None and route.endswith("(?P<url>.*)$"):
                name = "catch_all"
            elif name is None and route.endswith("<path:object_id>/"):
                name = route.split("/")[1] + "_" + route.split("/")[2] + "_redirect"
            found.append((f"{namespace}:{name}" if namespace else str(name), route))

    walk(get_resolver(), "", None)
    return found


def admin_probes() -> dict[str, Probe]:
    probes: dict[str, Probe] = {}
    for model, (key, add) in ADMIN_MODELS.items():
        app, name = model.rsplit("_", 1)
        if model == "django_tasks_database_dbtaskresult":
            app, name = "django_tasks_database", "dbtaskresult"
        base = f"/admin/{app}/{name}/"
        obj = f"{base}{{{key}}}/"
        probes[f"admin:{model}_changelist"] = li(base, {"q": "攻防"}, {"q": "{county}"})
        probes[f"admin:{model}_add"] = Probe(LIST, base + "add/", posts=(add,) if add else ())
        kind = LIST if model in ADMIN_REFERENCE else OBJECT
        probes[f"admin:{model}_change"] = Probe(kind, obj + "change/", posts=(ADMIN_CHANGE,))
        probes[f"admin:{model}_delete"] = Probe(kind, obj + "delete/", posts=({"post": "yes"},))
        probes[f"admin:{model}_history"] = Probe(kind, obj + "history/")
        probes[f"admin:{app}_{name}_redirect"] = Probe(kind, obj)
    return probes


def api_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path) of every operation in the OpenAPI document."""
    from xiezuo.api.api import api

    schema = api.get_openapi_schema()
    return {
        op["operationId"]: (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }


# ------------------------------------------------------------------------------ the attack
@dataclass
class Tally:
    attempts: int = 0
    breaches: list[str] = field(default_factory=list)
    per_probe: Counter[str] = field(default_factory=Counter)


def fill(template: Any, ids: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = KEY.fullmatch(template)
        if whole:
            return ids[whole.group(1)]
        return KEY.sub(lambda m: str(ids[m.group(1)]), template)
    if isinstance(template, dict):
        return {k: fill(v, ids) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [fill(v, ids) for v in template]
    return template


def keys_of(*templates: Any) -> set[str]:
    return set(KEY.findall(json.dumps(templates, ensure_ascii=False)))


def readable(response: Any) -> str:
    """Everything a response says, as text: JSON decoded, workbooks unzipped, the redirect."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [response.get("Location", "")]
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            parts += [book.read(n).decode("utf-8", "replace") for n in book.namelist()]
    else:
        text = content.decode("utf-8", "replace")
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
        parts.append(text)
    return "\n".join(parts)


def upload(world: w.World) -> io.BytesIO:
    """A registry file of one victim household moved into the attacker's reach."""
    import csv

    from xiezuo.registry.vocabulary import TEMPLATE_COLUMNS

    number = world.families["county"].ids["household"]
    rows = [dict(r) for r in world.home["rows"][:1]]
    for row in rows:
        row["户编号"] = number
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    data = io.BytesIO(handle.getvalue().encode("utf-8"))
    data.name = "attack.csv"
    return data


class Attack:
    def __init__(self, world: w.World, tally: Tally) -> None:
        self.world = world
        self.tally = tally
        self.clients: dict[str, Client] = {}
        self.last_sent: dict[str, Any] = {}
        self.seen: set[str] = set()
        # The household number the attack's upload carries (it may come back in row errors).
        self.uploaded = world.families["county"].ids["household"]
        for name, user in world.attackers.items():
            client = Client()
            client.force_login(user)
            self.clients[name] = client

    def targets(self, attacker: str, probe: Probe, method_body: Any = None) -> list[dict[str, Any]]:
        """The id sets to fill the probe with: one per foreign family holding all its keys;
        a probe without keys (or only `{me}`) once, with the families' ids for its queries."""
        user = self.world.attackers[attacker]
        needed = keys_of(probe.path) - {"me"}
        out = []
        for family in w.FOREIGN[attacker]:
            ids = {**self.world.families[family].ids, "me": user.region_id}
            if needed <= set(ids):
                out.append(ids)
        if not needed and not out:
            out.append({"me": user.region_id})
        return out

    def check(
        self,
        label: str,
        attacker: str,
        response: Any,
        expected: set[int] | None,
        sent: Any = "",
    ) -> None:
        self.tally.attempts += 1
        self.tally.per_probe[label] += 1
        status = response.status_code
        if status >= 500:
            self.tally.breaches.append(f"{label} as {attacker}: HTTP {status}")
            return
        if expected is not None and status not in expected:
            self.tally.breaches.append(f"{label} as {attacker}: HTTP {status}, not refused")
        text = readable(response)
        # What the attacker sent itself may come back ("户 … 不存在"), also as the message of
        # its previous request shown on this page: that tells it nothing.
        echo = json.dumps([sent, self.last_sent.get(attacker)], ensure_ascii=False, default=str)
        self.last_sent[attacker] = sent

        leaked = [m for m in self.world.markers(attacker) if m in text and m not in echo]
        if leaked:
            self.tally.breaches.append(f"{label} as {attacker}: shows {leaked[:3]}")

    def fresh(self, attacker: str, *request: Any) -> bool:
        """Each request once per attacker: a probe's plain query is the same for every family."""
        key = json.dumps([attacker, *request], ensure_ascii=False, default=str, sort_keys=True)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def write(
        self,
        label: str,
        attacker: str,
        send: Any,
        expected: set[int] | None,
        own: bool,
        sent: Any,
    ) -> None:
        before = w.fingerprint(self.world)
        response = send()
        if own and response.status_code < 400:
            expected = None
        self.check(label, attacker, response, expected, sent)
        if w.fingerprint(self.world) != before:
            self.tally.breaches.append(f"{label} as {attacker}: changed the victims' data")

    def page(self, label: str, probe: Probe, *, admin: bool = False) -> None:
        refused = ADMIN_REFUSED if admin else REFUSED
        for attacker, client in self.clients.items():
            for ids in self.targets(attacker, probe):
                try:
                    path = fill(probe.path, ids)
                except KeyError:
                    continue
                expected = refused if probe.kind == OBJECT else None
                if probe.get:
                    for query in probe.queries:
                        if keys_of(query) - set(ids):
                            continue
                        q = fill(query, ids)
                        if self.fresh(attacker, "GET", path, q):
                            self.check(label, attacker, client.get(path, q), expected, [path, q])
                for post in probe.posts:
                    if keys_of(post) - set(ids):
                        continue
                    data = fill(post, ids)
                    if not self.fresh(attacker, "POST", path, data):
                        continue
                    if label == "web:import_list":
                        data["file"] = upload(self.world)
                    self.write(
                        label,
                        attacker,
                        lambda p=path, d=data, c=client: c.post(p, d),
                        expected,
                        probe.own_success,
                        [path, data, self.uploaded if label == "web:import_list" else ""],
                    )

    def operation(self, label: str, method: str, probe: Probe) -> None:
        for attacker, client in self.clients.items():
            for ids in self.targets(attacker, probe):
                try:
                    path = fill(probe.path, ids)
                except KeyError:
                    continue
                expected = REFUSED if probe.kind == OBJECT else None
                if method == "GET":
                    for query in probe.queries:
                        if keys_of(query) - set(ids):
                            continue
                        q = fill(query, ids)
                        if self.fresh(attacker, "GET", path, q):
                            self.check(label, attacker, client.get(path, q), expected, [path, q])
                    continue
                for body in probe.posts or ({},):
                    if keys_of(body) - set(ids):
                        continue
                    data = fill(body, ids)
                    if not self.fresh(attacker, method, path, data):
                        continue
                    if label == "import_upload":

                        def send(p: str = path, d: Any = data, c: Client = client) -> Any:
                            return c.post(p, {**d, "file": upload(self.world)})

                    else:

                        def send(p: str = path, d: Any = data, c: Client = client) -> Any:
                            return c.generic(
                                method, p, json.dumps(d), content_type="application/json"
                            )

                    self.write(
                        label,
                        attacker,
                        send,
                        expected,
                        probe.own_success,
                        [path, data, self.uploaded if label == "import_upload" else ""],
                    )


@pytest.fixture
def world(regions: None, lines: None, tmp_path: Path) -> w.World:
    built = w.build(tmp_path)
    # Ids the admin tables need that the world builder does not keep per family.
    from django.contrib.contenttypes.models import ContentType

    from xiezuo.audit.models import AuditEvent
    from xiezuo.regions.models import RegionCodeChange
    from xiezuo.registry.models import Household

    county = built.families["county"]
    household = Household.objects.get(number=county.ids["household"])
    event = AuditEvent.objects.filter(object_type="registry.household").order_by("pk").first()
    county.ids.update(
        household_ct=ContentType.objects.get_for_model(Household).pk,
        household_pk=household.pk,
        audit=event.pk if event else 0,
        # Reference data (code changes) and the task queue's results belong to no region: a
        # regional admin may not change them either.
        codechange=RegionCodeChange.objects.order_by("pk").values_list("pk", flat=True).first(),
        taskresult="00000000-0000-0000-0000-000000000000",
    )
    return built


def test_every_url_pattern_and_api_operation_holds_against_the_attack(world: w.World) -> None:
    probes = {**URLS, **admin_probes()}
    operations = api_operations()
    suffixes = {op_id.rsplit("_api_", 1)[-1].split("_", 1)[-1]: op_id for op_id in operations}
    patterns = url_patterns()
    missing = []
    for key, route in patterns:
        if key.startswith("api:") and key not in probes:
            # An API pattern is covered by its operation(s) in OPERATIONS.
            if key.removeprefix("api:") not in OPERATIONS:
                missing.append(f"{key} ({route})")
        elif key not in probes:
            missing.append(f"{key} ({route})")
    for op_id in operations:
        if not any(op_id.endswith("_" + name) for name in OPERATIONS):
            missing.append(f"operation {op_id}")
    assert not missing, "routes or operations the attack does not cover: " + ", ".join(missing)
    stale = [
        name for name in OPERATIONS if not any(op_id.endswith("_" + name) for op_id in operations)
    ]
    assert not stale, f"OPERATIONS names no operation: {stale}"
    assert suffixes  # the document lists operations at all

    tally = Tally()
    attack = Attack(world, tally)
    for key, probe in probes.items():
        attack.page(key, probe, admin=key.startswith("admin:"))
    for name, (method, probe) in OPERATIONS.items():
        op_method, _path = next(v for k, v in operations.items() if k.endswith("_" + name))
        assert op_method == method, name
        attack.operation(name, method, probe)

    untried = [k for k in [*probes, *OPERATIONS] if tally.per_probe[k] == 0]
    assert not untried, f"probes that made no attempt: {untried}"
    print(
        f"\nattack: {len(patterns)} url patterns, {len(operations)} api operations, "
        f"{tally.attempts} attempts, {len(tally.breaches)} breaches"
    )
    assert not tally.breaches, "\n".join(tally.breaches)


def test_the_attack_notices_a_leak_a_change_and_an_answer(world: w.World) -> None:
    """The checks themselves: a foreign marker in a page, a victim row changed by a write and
    a foreign object answered with 200 are each counted as a breach."""
    from django.http import HttpResponse

    from xiezuo.registry.models import Household

    tally = Tally()
    attack = Attack(world, tally)
    number = world.families["county"].ids["household"]
    attack.check("leak", "unrelated", HttpResponse(f"<td>{number}</td>"), None, "/registry/")
    attack.check("answer", "unrelated", HttpResponse("ok"), REFUSED, "/x/")

    def change() -> HttpResponse:
        Household.objects.filter(number=number).update(helper_name="攻击者")
        return HttpResponse(status=403)

    attack.write("change", "unrelated", change, REFUSED, False, "/x/")
    # The attacker's own input coming back is no leak.
    attack.check("echo", "unrelated", HttpResponse(f"户 {number} 不存在"), None, [number])
    assert [b.split(":")[0] for b in tally.breaches] == [
        "leak as unrelated",
        "answer as unrelated",
        "change as unrelated",
    ]
