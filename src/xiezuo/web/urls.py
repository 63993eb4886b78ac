from django.contrib.auth import views as auth_views
from django.urls import path

from xiezuo.web import (
    analysis_views,
    assessment_pdf,
    assessment_views,
    cooperation_views,
    imports_views,
    labour_views,
    notifications_views,
    overview_views,
    pairing_views,
    registry_views,
    verify_views,
    views,
)

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", overview_views.overview, name="overview"),
    path("notifications/", notifications_views.notification_list, name="notifications"),
    path(
        "notifications/read-all/",
        notifications_views.notification_read_all,
        name="notification_read_all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications_views.notification_read,
        name="notification_read",
    ),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("regions/", views.region_root, name="region_root"),
    path("regions/search/", views.region_search, name="region_search"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/export.xlsx", views.region_export, name="region_export"),
    path("registry/", registry_views.household_list, name="household_list"),
    path("registry/search/", registry_views.household_search, name="household_search"),
    path("registry/export.xlsx", registry_views.household_export, name="household_export"),
    path("registry/statistics/", registry_views.statistics, name="registry_statistics"),
    path("registry/exit-check/", registry_views.exit_check, name="exit_check"),
    path(
        "registry/households/<str:number>/",
        registry_views.household_detail,
        name="household_detail",
    ),
    path("registry/conflicts/", registry_views.conflict_list, name="registry_conflicts"),
    path(
        "registry/conflicts/<int:pk>/",
        registry_views.conflict_resolve,
        name="registry_conflict_resolve",
    ),
    path(
        "registry/members/<int:member_id>/reveal/",
        registry_views.member_reveal,
        name="member_reveal",
    ),
    path("pairings/", pairing_views.pairing_list, name="pairing_list"),
    path("pairings/network.json", pairing_views.pairing_network, name="pairing_network"),
    path("pairings/export.xlsx", pairing_views.pairing_export, name="pairing_export"),
    path("pairings/targets.xlsx", pairing_views.targets_export, name="targets_export"),
    path("pairings/<int:pk>/", pairing_views.pairing_detail, name="pairing_detail"),
    path("pairings/optimizer/", pairing_views.optimizer_page, name="optimizer"),
    path("pairings/proposals/<int:pk>/", pairing_views.proposal_detail, name="proposal_detail"),
    path("pairings/tasks/<int:pk>/status/", pairing_views.task_status, name="task_status"),
    # Cooperation records: lists, entry, reports and the aid overviews.
    path("cooperation/", cooperation_views.index, name="coop_index"),
    path("cooperation/reports/", cooperation_views.report_list, name="coop_reports"),
    path("cooperation/reports/<int:pk>/", cooperation_views.report_detail, name="coop_report"),
    path(
        "cooperation/reports/<int:pk>/attachments/",
        cooperation_views.attachment_add,
        name="coop_attachment_add",
    ),
    path(
        "pairings/agreements/<int:pk>/attachments/",
        cooperation_views.agreement_attachment_add,
        name="agreement_attachment_add",
    ),
    path(
        "cooperation/attachments/<int:pk>/",
        cooperation_views.attachment_download,
        name="coop_attachment",
    ),
    path(
        "cooperation/attachments/<int:pk>/delete/",
        cooperation_views.attachment_delete,
        name="coop_attachment_delete",
    ),
    path("cooperation/regions/<str:code>/", cooperation_views.region_aid, name="coop_region"),
    path("cooperation/<str:kind>/", cooperation_views.record_list, name="coop_list"),
    path("cooperation/<str:kind>/export.xlsx", cooperation_views.record_export, name="coop_export"),
    path("cooperation/<str:kind>/new/", cooperation_views.record_new, name="coop_new"),
    path("cooperation/<str:kind>/<int:pk>/", cooperation_views.record_detail, name="coop_record"),
    path(
        "cooperation/<str:kind>/<int:pk>/delete/",
        cooperation_views.record_delete,
        name="coop_delete",
    ),
    path(
        "cooperation/<str:kind>/<int:pk>/attachments/",
        cooperation_views.record_attachment_add,
        name="coop_record_attachment_add",
    ),
    path("pairings/<int:pk>/aid/", cooperation_views.pairing_aid, name="pairing_aid"),
    path("analysis/fiscal/", analysis_views.fiscal, name="analysis_fiscal"),
    path("analysis/targeting/", analysis_views.targeting, name="analysis_targeting"),
    path("labour/", labour_views.index, name="labour"),
    path("labour/run/", labour_views.run, name="labour_run"),
    path("labour/decide/", labour_views.decide, name="labour_decide"),
    path("labour/quarters/", labour_views.quarter_check, name="labour_quarter_check"),
    path(
        "labour/placements/<int:pk>/end/", labour_views.placement_end, name="labour_placement_end"
    ),
    path(
        "labour/matches/<int:pk>/placement/",
        labour_views.match_placement,
        name="labour_match_placement",
    ),
    path("labour/postings/new/", labour_views.posting_new, name="labour_posting_new"),
    path(
        "labour/postings/<int:pk>/close/", labour_views.posting_close, name="labour_posting_close"
    ),
    path("labour/workers/<int:pk>/", labour_views.worker_detail, name="labour_worker"),
    path(
        "labour/workers/<int:pk>/quarters/",
        labour_views.worker_quarter,
        name="labour_worker_quarter",
    ),
    *(
        path(f"labour/{kind}.xlsx", labour_views.export, {"kind": kind}, name=f"labour_{kind}_xlsx")
        for kind in labour_views.EXPORTS
    ),
    path("imports/", imports_views.import_list, name="import_list"),
    path("imports/template/<str:kind>.xlsx", imports_views.import_template, name="import_template"),
    path("imports/<str:batch_id>/", imports_views.import_detail, name="import_detail"),
    path("imports/<str:batch_id>/commit/", imports_views.import_commit, name="import_commit"),
    path("verify/", verify_views.verify_index, name="verify_index"),
    path("verify/runs/<int:pk>/", verify_views.verify_run, name="verify_run"),
    path("verify/runs/<int:pk>/findings/", verify_views.verify_queue, name="verify_queue"),
    path("verify/runs/<int:pk>/findings.xlsx", verify_views.verify_export, name="verify_export"),
    path("verify/findings/<int:pk>/decide/", verify_views.verify_decide, name="verify_decide"),
    path("verify/record/<str:kind>/<int:pk>/", verify_views.verify_record, name="verify_record"),
    path("assessment/", assessment_views.assessment_index, name="assessment_index"),
    path("assessment/runs/<int:pk>/", assessment_views.assessment_run, name="assessment_run"),
    path("assessment/systems/", assessment_views.assessment_systems, name="assessment_systems"),
    path(
        "assessment/systems/<int:pk>/", assessment_views.assessment_system, name="assessment_system"
    ),
    path(
        "assessment/<int:year>/export.xlsx",
        assessment_views.assessment_export,
        name="assessment_export",
    ),
    path(
        "assessment/<int:year>/<str:side>/<str:code>/",
        assessment_views.assessment_card,
        name="assessment_card",
    ),
    path(
        "assessment/<int:year>/<str:side>/<str:code>/report.pdf",
        assessment_pdf.assessment_pdf,
        name="assessment_pdf",
    ),
    path(
        "assessment/<int:year>/<str:side>/<str:code>/assign/",
        assessment_views.assessment_assign,
        name="assessment_assign",
    ),
    path(
        "imports/<str:batch_id>/problems.xlsx",
        imports_views.import_problems,
        name="import_problems",
    ),
]
