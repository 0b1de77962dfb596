"""Write an annual IRO report's PDF and CSV to a folder, from the draft's live figures or a
published version: for checking a report outside the browser and for the benchmark."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import timezone

from iro_portal.documents import PDF_BASE_URL
from iro_portal.pdf import html_to_pdf
from iro_portal.spreadsheets import SpreadsheetWriter
from reporting import services
from reporting.models import PublishedReport, Variant
from reporting.presentation import Presenter
from reviews.timescales import reporting_year_start


class Command(BaseCommand):
    help = "Write the annual IRO report for a reporting year as PDF and CSV files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            help="First calendar year of the reporting year (2025 = April 2025 to March 2026); "
            "default the last completed year.",
        )
        parser.add_argument(
            "--published-version",
            dest="report_version",
            type=int,
            help="A published version's number; default the draft with live figures.",
        )
        parser.add_argument(
            "--variant",
            choices=Variant.values,
            action="append",
            help="Which version to write (repeatable); default all three.",
        )
        parser.add_argument("--out", default="var/reports", help="Folder to write to (default var/reports).")

    def handle(self, *args, year, report_version, variant, out, **options):
        year = year or reporting_year_start(timezone.localdate()).year - 1
        report = services.report_for_year(year)
        published = None
        if report_version is not None:
            published = PublishedReport.objects.filter(report=report, number=report_version).first()
            if published is None:
                raise CommandError(f"The {report.label} report has no published version {report_version}.")
        started = time.perf_counter()
        content = services.content_of(report, published)
        self.stdout.write(f"Figures for {report.label} built in {time.perf_counter() - started:.2f} s")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for chosen in variant or Variant.values:
            started = time.perf_counter()
            html = render_to_string(
                services.template_for(chosen),
                services.report_context(content, chosen, published=published, for_pdf=True),
            )
            path = folder / services.download_name(year, published, chosen, "pdf")
            path.write_bytes(html_to_pdf(html, base_url=PDF_BASE_URL))
            self.stdout.write(f"Wrote {path} in {time.perf_counter() - started:.2f} s")
            if chosen != Variant.CHILD_FRIENDLY:
                csv_path = folder / services.download_name(year, published, chosen, "csv")
                with csv_path.open("w", newline="", encoding="utf-8") as handle:
                    SpreadsheetWriter(handle).writerows(Presenter(content, chosen).csv_rows())
                self.stdout.write(f"Wrote {csv_path}")
