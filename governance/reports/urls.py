from django.urls import path, register_converter

from . import views


class _Format:
    regex = "csv|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Format, "fmt")

urlpatterns = [
    path("reports/", views.report_list, name="reports"),
    path("reports/verify/", views.report_verify, name="report_verify"),
    path("reports/<int:seq>/download", views.report_download, name="report_download"),
    path("reports/jobs/<int:pk>/", views.report_job, name="report_job"),
    path("reports/jobs/<int:pk>/progress", views.report_job_progress, name="report_job_progress"),
    path("reports/<slug:kind>.<fmt:fmt>", views.report_generate, name="report_generate"),
    # design.md's address for the exposure report; the same view, filters as the findings API.
    path(
        "exposure/report.<fmt:fmt>",
        views.report_generate,
        {"kind": "exposure"},
        name="exposure_report",
    ),
]
