from django.urls import path

from . import outcome_views, target_views, views

app_name = "reporting"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/caseloads/", views.CaseloadsView.as_view(), name="caseloads"),
    path("outcomes/", outcome_views.OutcomesView.as_view(), name="outcomes"),
    path("outcomes/<int:year>/<str:figure>/", outcome_views.OutcomeChildrenView.as_view(), name="outcome_children"),
    path("reports/", views.AnnualReportListView.as_view(), name="annual_reports"),
    path("reports/<int:year>/", views.AnnualReportView.as_view(), name="annual_report"),
    path("reports/<int:year>/report.csv", views.AnnualReportCsvView.as_view(), name="annual_report_csv"),
    path("reports/<int:year>/report.docx", views.AnnualReportWordView.as_view(), name="annual_report_docx"),
    path("reports/<int:year>/for-children/", views.ChildFriendlyReportView.as_view(), name="child_friendly_report"),
    path("reports/<int:year>/pdf/<str:variant>/", views.ReportPdfView.as_view(), name="annual_report_pdf"),
    path("reports/<int:year>/highlights/", views.HighlightsView.as_view(), name="highlights"),
    path("reports/<int:year>/narrative/", views.NarrativeView.as_view(), name="narrative"),
    path("reports/<int:year>/other-activity/", views.OtherActivityView.as_view(), name="other_activity"),
    path("reports/<int:year>/comparators/", views.ComparatorsView.as_view(), name="comparators"),
    path("reports/<int:year>/targets/", target_views.TargetsView.as_view(), name="targets"),
    path("reports/<int:year>/publish/", views.PublishView.as_view(), name="publish"),
    path("reports/<int:year>/versions/<int:number>/", views.AnnualReportView.as_view(), name="published_report"),
    path(
        "reports/<int:year>/versions/<int:number>/report.csv",
        views.AnnualReportCsvView.as_view(),
        name="published_report_csv",
    ),
    path(
        "reports/<int:year>/versions/<int:number>/report.docx",
        views.AnnualReportWordView.as_view(),
        name="published_report_docx",
    ),
    path(
        "reports/<int:year>/versions/<int:number>/for-children/",
        views.ChildFriendlyReportView.as_view(),
        name="published_child_friendly_report",
    ),
    path(
        "reports/<int:year>/versions/<int:number>/pdf/<str:variant>/",
        views.ReportPdfView.as_view(),
        name="published_report_pdf",
    ),
    path("reports/documents/<int:pk>/", views.ReportDocumentView.as_view(), name="document"),
    path("reports/documents/<int:pk>/status/", views.ReportDocumentStatusView.as_view(), name="document_status"),
    path("reports/documents/<int:pk>/download/", views.ReportDocumentDownloadView.as_view(), name="document_download"),
]
