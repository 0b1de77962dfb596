"""The reporting endpoints of the REST API: the dashboard's figures and the annual report's figures.

The figures are the ones the pages show (reporting.selectors, reporting.services), never a
second calculation. The dashboard is for service managers and administrators (the whole
authority) and IROs (their own children); board members get 403, as on the page. Annual report
figures: managers read the draft (live figures) or any published version, unsuppressed; board
members read published versions only, with the board version's small numbers shown as "c"."""

from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.api_permissions import ActiveUser
from accounts.models import Role
from accounts.permissions import (
    may_edit_annual_reports,
    may_read_published_reports,
    sees_every_child,
)
from iro_portal.db_routers import reading_from_replica

from . import selectors, services, stored_figures
from .annual_report import COUNT, NUMBER, PERCENT
from .highlights import BY_KEY
from .models import AnnualReport, Progress, PublishedReport, TargetDirection, Variant
from .periods import MIN_REPORT_YEAR, Period, period_problems, year_to_date
from .presentation import Presenter
from .selectors import NOT_RECORDED
from .suppression import SUPPRESSED
from .targets import MET, NOT_MET

NOT_RECORDED_KEY = "not_recorded"
"""How a figure of records with nothing entered (the empty code) is keyed in the JSON."""


# ---------------------------------------------------------------------------------------------
# Errors, as every endpoint gives them (iro_portal.api.exception_handler)
# ---------------------------------------------------------------------------------------------

ErrorSerializer = inline_serializer(
    "ReportingError",
    {
        "detail": serializers.CharField(help_text="What went wrong."),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text='Messages by field; "non_field_errors" for the whole request. Empty when not about the request.',
        ),
    },
)


def _error(description):
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = _error("Not signed in, or the token is not valid, has been revoked or its user is inactive.")


# ---------------------------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------------------------


class HasDashboard(ActiveUser):
    """Service managers, administrators and IROs (the same rule as the dashboard page)."""

    message = "Only service managers, administrators and IROs have a dashboard."

    def has_permission(self, request, view):
        user = request.user
        return super().has_permission(request, view) and (sees_every_child(user) or user.role == Role.IRO)


class ReadsAnnualReports(ActiveUser):
    """Service managers and administrators, and board members (published versions only)."""

    message = "Only service managers, administrators and board members can see the annual reports."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and may_read_published_reports(request.user)


# ---------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    """The query parameters choosing a period: a reporting year, or two dates (which win)."""

    year = serializers.IntegerField(
        required=False,
        min_value=MIN_REPORT_YEAR,
        max_value=2100,
        help_text="A reporting year by its first calendar year: 2025 means 1 April 2025 to 31 March 2026. "
        "The current reporting year runs to today.",
    )
    start = serializers.DateField(required=False, help_text="The first day of the period (YYYY-MM-DD); needs `end`.")
    end = serializers.DateField(required=False, help_text="The last day of the period (YYYY-MM-DD); needs `start`.")

    def validate(self, attrs):
        problems = period_problems(attrs.get("start"), attrs.get("end"))
        if problems:
            raise serializers.ValidationError(problems)
        today = self.context["today"]
        if "year" in attrs and attrs["year"] > year_to_date(today).start.year:
            raise serializers.ValidationError({"year": "That reporting year has not started yet."})
        return attrs

    def period(self):
        data, today = self.validated_data, self.context["today"]
        if data.get("start"):
            return Period(data["start"], data["end"])
        if data.get("year") is not None:
            year = data["year"]
            current = year_to_date(today)
            if year == current.start.year:
                return current
            return Period(date(year, 4, 1), date(year + 1, 3, 31))
        return year_to_date(today)


def _counts(description, child=None):
    return serializers.DictField(child=child or serializers.IntegerField(), help_text=description)


class _IroSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _CaseloadSerializer(serializers.Serializer):
    iro = _IroSerializer()
    children = serializers.IntegerField(help_text="Children allocated to the IRO on the day counted.")
    lac_children = serializers.IntegerField(help_text="Of those, children looked after that day.")
    fte = serializers.FloatField(
        allow_null=True, help_text="The IRO's full-time equivalent that day (null: not on the staff)."
    )
    agency = serializers.BooleanField(help_text="Working through an agency (an interim IRO) that day.")
    per_fte = serializers.FloatField(allow_null=True, help_text="Children per full-time equivalent.")
    lac_per_fte = serializers.FloatField(allow_null=True, help_text="Children looked after per full-time equivalent.")
    above_band = serializers.BooleanField()
    below_band = serializers.BooleanField()


class _CaseloadsSerializer(serializers.Serializer):
    rows = _CaseloadSerializer(many=True)
    iros = serializers.IntegerField()
    agency_iros = serializers.IntegerField(help_text="IROs working through an agency.")
    part_time_iros = serializers.IntegerField(help_text="IROs working less than full time.")
    total_children = serializers.IntegerField()
    total_lac_children = serializers.IntegerField()
    total_fte = serializers.FloatField()
    per_fte = serializers.FloatField(allow_null=True)
    lac_per_fte = serializers.FloatField(allow_null=True)
    average_per_iro = serializers.FloatField(allow_null=True)
    above_band = serializers.IntegerField(help_text="IROs above the band of children per FTE.")
    band = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=2,
        max_length=2,
        help_text="The IRO Handbook's suggested children per full-time IRO: [low, high].",
    )


class _MonthSerializer(serializers.Serializer):
    first_day = serializers.DateField()
    start = serializers.DateField(help_text="The first day of the month inside the period.")
    end = serializers.DateField(help_text="The last day of the month inside the period.")
    held = serializers.IntegerField()
    in_timescale = serializers.IntegerField()
    percent_in_timescale = serializers.IntegerField(allow_null=True)


class _PeriodOutSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label: the serializer's metaclass takes it out of the class attributes
    reporting_year = serializers.IntegerField(
        allow_null=True, help_text="Set when the period is a whole reporting year."
    )


DashboardSerializer = inline_serializer(
    "Dashboard",
    {
        "period": _PeriodOutSerializer(),
        "on": serializers.DateField(help_text="The day the figures about now (overdue, looked after now) are as of."),
        "scope": serializers.ChoiceField(
            choices=["authority", "own_children"],
            help_text="`authority`: every child; `own_children`: the children allocated to the IRO asking.",
        ),
        "calculated_at": serializers.DateTimeField(
            help_text=(
                "When these figures were counted. They are kept until a record behind them changes, so this can be "
                "earlier than the request; they are never older than the records."
            )
        ),
        "reviews": serializers.DictField(
            child=serializers.DictField(),
            help_text=(
                "By kind of review: held in the period, in_timescale, late, late_reasons {reason: count} "
                f'("{NOT_RECORDED_KEY}" when no reason was entered), percent_in_timescale, overdue now and '
                "due_soon (within 20 working days)."
            ),
        ),
        "lac": serializers.DictField(
            help_text=(
                "About the LAC reviews held in the period: participation by PN code, participation_rate, child_chaired, "
                "advocate_present, parents, quality standards (met/missed/pending, percent_met) and seen_before."
            )
        ),
        "months": _MonthSerializer(many=True, help_text="LAC reviews held and held in timescale, month by month."),
        "caseloads": _CaseloadsSerializer(),
        "children": _counts(
            "Children looked after now, started and ceased in the period, on a protection plan now, "
            "plans by length, IRO allocation in time (percent_iro_allocated_in_time may be null).",
            serializers.IntegerField(allow_null=True),
        ),
        "oversight": serializers.DictField(
            help_text=(
                "Children looked after now by current RAG rating (and percents), red with a check overdue, with no record "
                "this quarter, and quarter_start."
            )
        ),
        "escalations": serializers.DictField(
            help_text=(
                "Open escalations by stage and overdue responses, resolved in the period by stage, and by area of concern."
            )
        ),
        "lac_record": serializers.DictField(
            help_text=(
                "From the IROs' record of the LAC reviews held in the period: child_views by how given, "
                "child_views_recorded, child_views_not_obtained (reason recorded), child_views_not_recorded, "
                "parents_attended (a parent recorded as attending; the older parents' participation where there is no "
                "attendance list), second_reviews with the permanence plan check (yes/no/not_applicable/not_recorded), "
                "checks_recorded, checks_not_met by kind and any_check_not_met; percents null when nothing to divide by."
            )
        ),
        "consultations": serializers.DictField(
            help_text=(
                "The views sought online, counted by the period their review was held in (or, not held, is due in): "
                "consultation {all, by_person_type, by_age_band (the child's form), by_kind} and feedback {all, "
                "by_person_type} each as sent (not withdrawn), returned and percent_returned; feedback scores {1-5: "
                "replies}, scored and mean_score; alerts: raised, by_reason, responded, not_responded, escalated, "
                "median_hours_to_respond and longest_hours_to_respond (null when none responded)."
            )
        ),
        "consultations_last_year": serializers.DictField(
            help_text="The same figures as consultations for the same dates a year before."
        ),
        "conferences": serializers.DictField(
            child=serializers.DictField(),
            help_text=(
                "By kind of conference (ICPC, RCPC) held in the period: held, recorded (attendance recorded), quorate, "
                "not_quorate, percent_quorate (of those recorded; null when none); for ICPC also first_core_group: "
                "met (held within 10 working days), missed (held later, or overdue), pending (not yet due), percent_met."
            ),
        ),
    },
)


def plain(value):
    """The selectors' figures as JSON: dates as YYYY-MM-DD, decimals as numbers, dataclasses as
    objects (with their properties), and the empty "not recorded" key named."""
    if isinstance(value, selectors.Caseload):
        return {
            "iro": {"id": value.iro.pk, "name": value.iro.get_full_name() or value.iro.username},
            "children": value.children,
            "lac_children": value.lac_children,
            "fte": None if value.fte is None else float(value.fte),
            "agency": value.agency,
            "per_fte": value.per_fte,
            "lac_per_fte": value.lac_per_fte,
            "above_band": value.above_band,
            "below_band": value.below_band,
        }
    if isinstance(value, selectors.Month):
        return {
            **{f.name: plain(getattr(value, f.name)) for f in dataclass_fields(value)},
            "percent_in_timescale": value.percent_in_timescale,
        }
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclass_fields(value)}
    if isinstance(value, dict):
        return {(NOT_RECORDED_KEY if key == NOT_RECORDED else str(key)): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class DashboardView(GenericAPIView):
    """The dashboard's figures for a period."""

    permission_classes = (HasDashboard,)
    pagination_class = None
    filter_backends = ()

    @extend_schema(
        operation_id="dashboard_retrieve",
        tags=["reporting"],
        summary="The dashboard's figures",
        description=(
            "The figures of the dashboard page for a period: this reporting year to date by default, a reporting year "
            "(`year`) or two dates (`start` and `end`, which win over `year`). Service managers and administrators get "
            "the whole authority; an IRO gets the figures for the children allocated to them. Board members cannot "
            "use it (403): they read the published annual reports."
        ),
        parameters=[PeriodSerializer],
        responses={
            200: DashboardSerializer,
            400: _error("The period is not valid."),
            401: UNAUTHENTICATED,
            403: _error("Board members have no dashboard."),
        },
    )
    @reading_from_replica()
    def get(self, request):
        today = timezone.localdate()
        query = PeriodSerializer(data=request.query_params, context={"today": today})
        query.is_valid(raise_exception=True)
        period = query.period()
        counted = stored_figures.dashboard_for(request.user, period, today)
        return Response(
            {
                "period": {
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "label": period.label,
                    "reporting_year": period.reporting_year,
                },
                "on": today.isoformat(),
                "scope": "authority" if sees_every_child(request.user) else "own_children",
                "calculated_at": counted.calculated_at.isoformat(),
                **plain(counted.figures),
            }
        )


# ---------------------------------------------------------------------------------------------
# Annual reports
# ---------------------------------------------------------------------------------------------


class PublishedVersionSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="number")

    class Meta:
        model = PublishedReport
        fields = ("version", "published_at", "reason")


class AnnualReportSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="For example April 2025 to March 2026.")  # type: ignore[assignment]  # a field named label: the serializer's metaclass takes it out of the class attributes
    versions = serializers.SerializerMethodField(help_text="The published versions, newest first.")
    latest_version = serializers.SerializerMethodField(help_text="The newest published version, if any.")

    class Meta:
        model = AnnualReport
        fields = ("year", "label", "versions", "latest_version")

    @extend_schema_field(PublishedVersionSerializer(many=True))
    def get_versions(self, report):
        return PublishedVersionSerializer(report.versions, many=True).data

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_latest_version(self, report):
        return report.versions[0].number if report.versions else None


class FigureVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=32767,
        help_text="A published version. Without it, service managers get the draft (today's live figures) and board "
        "members the latest published version.",
    )


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string", "enum": [SUPPRESSED]}],
        "nullable": True,
        "description": f'The value; "{SUPPRESSED}" where the board version suppresses a small number; null when not '
        "available (for example figures entered by hand and not entered).",
    }
)
class FigureValueField(serializers.Field):
    def to_representation(self, value):
        return value


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label: the serializer's metaclass takes it out of the class attributes
    kind = serializers.CharField(
        help_text=(
            f"`{COUNT}`: children or events about them (suppressed when small in the board version); "
            f"`{PERCENT}`; `{NUMBER}` (FTE, rates: never suppressed)."
        )
    )
    section = serializers.CharField(allow_null=True, help_text="The key of the report section showing the figure.")
    this_year = FigureValueField()
    last_year = FigureValueField()
    statistical_neighbours = serializers.FloatField(allow_null=True)
    england = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True, help_text="The local target set for this year, if any.")
    target_direction = serializers.ChoiceField(
        choices=TargetDirection.values,
        allow_null=True,
        help_text="Whether the figure should be at least or at most the target.",
    )
    target_met = serializers.ChoiceField(
        choices=[MET, NOT_MET, SUPPRESSED],
        allow_null=True,
        help_text=f"Whether this year's figure met its target; `{SUPPRESSED}` when the figure is suppressed; null "
        "when there is no target or no figure.",
    )


class HighlightSerializer(serializers.Serializer):
    key = serializers.CharField()
    heading = serializers.CharField()
    figure = serializers.CharField(help_text="The key of the figure the highlight is about, in `figures`.")
    direction = serializers.CharField(
        help_text="`Up`, `Down` or `No change` from last year; empty when a year has no figure or is suppressed."
    )
    sentence = serializers.CharField(
        help_text="As the report shows it: rewritten by a service manager, or drafted from the figures."
    )


class ActionPlanItemSerializer(serializers.Serializer):
    priority = serializers.CharField()
    measure = serializers.CharField()
    intended_impact = serializers.CharField()
    action = serializers.CharField()
    progress = serializers.ChoiceField(
        choices=[("", "A priority for the year ahead"), *Progress.choices],
        allow_blank=True,
        help_text="Set for one of last year's priorities carried into this report: how far it got.",
    )
    progress_comment = serializers.CharField(allow_blank=True)


ReportFiguresSerializer = inline_serializer(
    "AnnualReportFigures",
    {
        "year": serializers.IntegerField(),
        "label": serializers.CharField(),
        "previous_label": serializers.CharField(),
        "version": serializers.IntegerField(allow_null=True, help_text="The published version; null for the draft."),
        "variant": serializers.ChoiceField(
            choices=[Variant.INTERNAL.value, Variant.BOARD.value],
            help_text="`board` when small numbers are suppressed.",
        ),
        "generated_on": serializers.DateField(help_text="The day the figures were worked out."),
        "authority": serializers.CharField(help_text="The authority's name, as the report was made under."),
        "highlights": HighlightSerializer(many=True),
        "figures": FigureSerializer(many=True),
        "action_plan": ActionPlanItemSerializer(many=True),
    },
)


def _number(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        value = float(value)
    return value


def figure_sections(content):
    """{figure key: section key} from the tables that show each figure."""
    sections = {}
    for section in content.sections:
        for table in section.tables:
            for row in table.cells.values():
                for key in row.values():
                    sections.setdefault(key, section.key)
            for total, parts in table.totals:
                for key in (total, *parts):
                    sections.setdefault(key, section.key)
    return sections


def report_figures(content, published, *, board):
    presenter = Presenter(content, Variant.BOARD if board else Variant.INTERNAL)
    suppressed = presenter.suppressed
    sections = figure_sections(content)

    def value(key, figure, year):
        return SUPPRESSED if (key, year) in suppressed else _number(figure.value(year))

    return {
        "year": content.year,
        "label": content.label,
        "previous_label": content.previous_label,
        "version": published.number if published else None,
        "variant": Variant.BOARD.value if board else Variant.INTERNAL.value,
        "generated_on": content.generated_on.isoformat(),
        "authority": content.authority,
        "highlights": [
            {
                "key": highlight["key"],
                "heading": highlight["heading"],
                "figure": BY_KEY[highlight["key"]].figure_key,
                "direction": highlight["direction"],
                "sentence": highlight["sentence"],
            }
            for highlight in presenter.highlights()
        ],
        "figures": [
            {
                "key": key,
                "label": figure.label,
                "kind": figure.kind,
                "section": sections.get(key),
                "this_year": value(key, figure, "this_year"),
                "last_year": value(key, figure, "last_year"),
                "statistical_neighbours": _number(figure.statistical_neighbours),
                "england": _number(figure.england),
                "target": _number(figure.target),
                "target_direction": figure.target_direction,
                "target_met": presenter.met(key) or None,
            }
            for key, figure in content.figures.items()
        ],
        "action_plan": [{field: item[field] for field in services.ACTION_PLAN_FIELDS} for item in content.action_plan],
    }


YEAR_PARAMETER = OpenApiParameter(
    "year",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The reporting year by its first calendar year: 2025 means April 2025 to March 2026.",
)


@extend_schema(tags=["reporting"])
class AnnualReportViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The annual IRO reports: the years and their published versions, and each year's figures."""

    permission_classes = (ReadsAnnualReports,)
    serializer_class = AnnualReportSerializer
    lookup_field = "year"
    filter_backends = ()

    def get_queryset(self):
        versions = Prefetch(
            "published_versions",
            to_attr="versions",
            queryset=PublishedReport.objects.defer("snapshot").order_by("-number"),
        )
        reports = AnnualReport.objects.prefetch_related(versions).order_by("-year")
        if may_edit_annual_reports(self.request.user):
            return reports
        return reports.filter(published_versions__isnull=False).distinct()

    @extend_schema(
        summary="The annual reports",
        description=(
            "Service managers and administrators: every year with a report (a draft, published or not) and its "
            "published versions. Board members: only the years with a published version."
        ),
        responses={
            200: AnnualReportSerializer(many=True),
            401: UNAUTHENTICATED,
            404: _error("No such page."),
            403: _error("Only service managers, administrators and board members can see the annual reports."),
        },
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="An annual report's figures",
        description=(
            "Every figure of the report for a year and the year before, with the comparators. Service managers and "
            "administrators get the draft (figures worked out today) when no `version` is given, or a published "
            "version, unsuppressed. Board members only ever get published versions (the latest by default), with "
            f'small numbers suppressed as "{SUPPRESSED}"; a year with nothing published is a 404 for them.'
        ),
        parameters=[YEAR_PARAMETER, FigureVersionSerializer],
        responses={
            200: ReportFiguresSerializer,
            400: _error("The version is not a number."),
            401: UNAUTHENTICATED,
            403: _error("Only service managers, administrators and board members can see the annual reports."),
            404: _error("No such year or version (for board members: nothing published for that year)."),
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def figures(self, request, year=None):
        query = FigureVersionSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("version")
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise Http404("There is no annual report for that year.") from None
        if not MIN_REPORT_YEAR <= year <= timezone.localdate().year:
            raise exceptions.NotFound("There is no annual report for that year.")
        manager = may_edit_annual_reports(request.user)
        if manager:
            report = services.report_for_year(year)
        else:
            report = AnnualReport.objects.filter(year=year, published_versions__isnull=False).first()
            if report is None:
                raise exceptions.NotFound("Nothing has been published for that year.")
        if number is not None:
            published = get_object_or_404(PublishedReport, report=report, number=number)
        elif manager:
            published = None
        else:
            published = services.latest_published(report)
        board = not manager
        content = services.content_of(report, published)
        services.record_download(
            by=request.user,
            report=report,
            variant=Variant.BOARD if board else Variant.INTERNAL,
            file_format="json",
            published=published,
            request=request,
        )
        return Response(report_figures(content, published, board=board))
