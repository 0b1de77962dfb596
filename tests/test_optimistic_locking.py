"""Optimistic locking on every record that can be changed after it is made (iro_portal.locking):
a change made from the version someone opened is saved and raises the version by one; the same
change after someone else has saved the record in the meantime is refused, a 409 in the API and
the "changed by someone else" message on the page (a 409 too), and nothing of it is saved."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as D
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from children import services as children_services
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan
from escalations import services as escalation_services
from escalations.codes import Stage
from escalations.models import Escalation
from oversight import services as oversight_services
from oversight.models import InContactPlan
from reporting import services as reporting_services
from reporting.annual_report import comparable_measures
from reporting.models import ComparatorFigure, OtherActivity
from reviews import services as review_services
from reviews.models import Review, ReviewAction
from reviews.timescales import add_working_days
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import sign_in
from tests.factories import ChildProtectionPlanFactory, IroFactory

CHANGED_BY_SOMEONE_ELSE = "Someone else changed this"
YEAR = 2025


def today():
    return timezone.localdate()


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


@dataclass
class Case:
    """One kind of record: how it is made, how someone else changes it, how this user's change
    is sent with the version they read, whether that change was saved, and its version now."""

    name: str
    make: Callable
    someone_else_changes: Callable
    send: Callable
    saved: Callable
    version: Callable


def _escalation(child, iro):
    return escalation_services.raise_escalation(
        child,
        by=iro,
        today=today(),
        areas=["placement"],
        what_is_wrong="Permanence plan drifting.",
        what_is_asked="A permanence planning meeting.",
        stage=Stage.INFORMAL,
        addressed_to_name="Sam Social",
        addressed_to_role="Social worker",
        raised_on=add_working_days(today(), -3),
    )


def _current_allocation(child):
    return Allocation.objects.filter(child=child, end_date__isnull=True).first()


def _reallocate(child, by, start_date):
    children_services.allocate_iro(child, iro=IroFactory(), start_date=start_date, by=by)


def _current_plan(child):
    return InContactPlan.objects.filter(child=child, ended_on__isnull=True).first()


def _agree_plan(child, by, every_weeks):
    return oversight_services.agree_in_contact_plan(
        child, by=by, method="phone", every_weeks=every_weeks, agreed_on=today(), today=today()
    )


def _agreed_action(child):
    held = today() - timedelta(days=30)
    review = Review.objects.create(
        child=child,
        kind="LAC",
        number=1,
        cycle_start=D(2024, 1, 1),
        due_date=held,
        status="held",
        held_on=held,
        participation_code="PN1",
    )
    return ReviewAction.objects.create(review=review, description="Dentist", owner_name="Carer", due_date=today())


def _move_action(ctx, action):
    review_services.change_action_due_date(
        action, by=ctx.manager, due_date=today() + timedelta(days=7), reason="Dentist cancelled", expected_version=None
    )


API_CASES = [
    Case(
        "agreed action",
        make=lambda ctx: _agreed_action(ctx.child),
        someone_else_changes=_move_action,
        send=lambda ctx, action, version: api_client(ctx.iro).post(
            f"/api/v1/review-actions/{action.pk}/complete/",
            {"completed_on": str(today()), "note": "Seen by the dentist.", "version": version},
            format="json",
        ),
        saved=lambda action: ReviewAction.objects.get(pk=action.pk).completed_on is not None,
        version=lambda action: ReviewAction.objects.get(pk=action.pk).version,
    ),
    Case(
        "care episode",
        make=lambda ctx: CareEpisode.objects.get(child=ctx.child),
        someone_else_changes=lambda ctx, episode: children_services.update_care_episode(
            episode, by=ctx.manager, placement_provider="PR2"
        ),
        send=lambda ctx, episode, version: api_client(ctx.iro).patch(
            f"/api/v1/care-episodes/{episode.pk}/", {"placement_type": "U4", "version": version}, format="json"
        ),
        saved=lambda episode: CareEpisode.objects.get(pk=episode.pk).placement_type == "U4",
        version=lambda episode: CareEpisode.objects.get(pk=episode.pk).version,
    ),
    Case(
        "child protection plan",
        make=lambda ctx: ChildProtectionPlanFactory(child=ctx.child),
        someone_else_changes=lambda ctx, plan: children_services.change_protection_plan_category(
            plan, by=ctx.manager, category="PHY"
        ),
        send=lambda ctx, plan, version: api_client(ctx.iro).patch(
            f"/api/v1/protection-plans/{plan.pk}/",
            {"end_date": "2025-01-15", "end_reason": "no_longer_at_risk", "version": version},
            format="json",
        ),
        saved=lambda plan: ChildProtectionPlan.objects.get(pk=plan.pk).end_date is not None,
        version=lambda plan: ChildProtectionPlan.objects.get(pk=plan.pk).version,
    ),
    Case(
        "allocation",
        make=lambda ctx: _current_allocation(ctx.child),
        someone_else_changes=lambda ctx, allocation: _reallocate(ctx.child, ctx.manager, today() - timedelta(days=2)),
        send=lambda ctx, allocation, version: api_client(ctx.manager).post(
            "/api/v1/allocations/",
            {
                "child": ctx.child.pk,
                "iro": ctx.other_iro.pk,
                "start_date": str(today()),
                "current_version": version,
            },
            format="json",
        ),
        saved=lambda allocation: _current_allocation(allocation.child).iro.last_name == "Other",
        version=lambda allocation: Allocation.objects.get(pk=allocation.pk).version,
    ),
    Case(
        "escalation",
        make=lambda ctx: _escalation(ctx.child, ctx.iro),
        someone_else_changes=lambda ctx, escalation: escalation_services.record_response(
            escalation, by=ctx.manager, responded_on=today(), response_summary="Meeting booked.", today=today()
        ),
        send=lambda ctx, escalation, version: api_client(ctx.iro).post(
            f"/api/v1/escalations/{escalation.pk}/resolve/",
            {"resolved_on": str(today()), "outcome": "Plan agreed.", "version": version},
            format="json",
        ),
        saved=lambda escalation: Escalation.objects.get(pk=escalation.pk).status == "resolved",
        version=lambda escalation: Escalation.objects.get(pk=escalation.pk).version,
    ),
]

PAGE_CASES = [
    Case(
        "agreed action",
        make=lambda ctx: _agreed_action(ctx.child),
        someone_else_changes=_move_action,
        send=lambda ctx, action, version: ctx.client_for(ctx.iro).post(
            reverse("reviews:action_done", args=[action.pk]),
            {**date_fields("completed_on", today()), "note": "Seen by the dentist.", "version": version},
        ),
        saved=lambda action: ReviewAction.objects.get(pk=action.pk).completed_on is not None,
        version=lambda action: ReviewAction.objects.get(pk=action.pk).version,
    ),
    Case(
        "child (motherhood)",
        make=lambda ctx: ctx.child,
        someone_else_changes=lambda ctx, child: children_services.record_motherhood(
            child, is_mother=False, first_child_date_of_birth=None, by=ctx.manager
        ),
        send=lambda ctx, child, version: ctx.client_for(ctx.iro).post(
            reverse("children:motherhood", args=[child.pk]),
            {"is_mother": "yes", **date_fields("first_child_date_of_birth", D(2025, 5, 3)), "version": version},
        ),
        saved=lambda child: Child.objects.get(pk=child.pk).is_mother is True,
        version=lambda child: Child.objects.get(pk=child.pk).version,
    ),
    Case(
        "allocation",
        make=lambda ctx: _current_allocation(ctx.child),
        someone_else_changes=lambda ctx, allocation: _reallocate(ctx.child, ctx.manager, today() - timedelta(days=2)),
        send=lambda ctx, allocation, version: ctx.client_for(ctx.manager).post(
            reverse("children:allocate", args=[ctx.child.pk]),
            {"iro": ctx.other_iro.pk, **date_fields("start_date", today()), "version": version},
        ),
        saved=lambda allocation: _current_allocation(allocation.child).iro.last_name == "Other",
        version=lambda allocation: Allocation.objects.get(pk=allocation.pk).version,
    ),
    Case(
        "In-Contact plan",
        make=lambda ctx: _agree_plan(ctx.child, ctx.iro, 4),
        someone_else_changes=lambda ctx, plan: _agree_plan(ctx.child, ctx.manager, 6),
        send=lambda ctx, plan, version: ctx.client_for(ctx.iro).post(
            reverse("oversight:in_contact", args=[ctx.child.pk]),
            {"method": "video", "every_weeks": "3", **date_fields("agreed_on", today()), "version": version},
        ),
        saved=lambda plan: _current_plan(plan.child).method == "video",
        version=lambda plan: InContactPlan.objects.get(pk=plan.pk).version,
    ),
    Case(
        "escalation",
        make=lambda ctx: _escalation(ctx.child, ctx.iro),
        someone_else_changes=lambda ctx, escalation: escalation_services.record_response(
            escalation, by=ctx.manager, responded_on=today(), response_summary="Meeting booked.", today=today()
        ),
        send=lambda ctx, escalation, version: ctx.client_for(ctx.iro).post(
            reverse("escalations:withdraw", args=[escalation.pk]),
            {"withdrawal_reason": "Sorted at the review.", "version": version},
        ),
        saved=lambda escalation: Escalation.objects.get(pk=escalation.pk).status == "withdrawn",
        version=lambda escalation: Escalation.objects.get(pk=escalation.pk).version,
    ),
    Case(
        "annual report's other activity",
        make=lambda ctx: reporting_services.save_other_activity(
            YEAR, by=ctx.manager, fields={"child_population": 20000}
        ),
        someone_else_changes=lambda ctx, activity: reporting_services.save_other_activity(
            YEAR, by=ctx.manager, fields={"child_population": 21000}
        ),
        send=lambda ctx, activity, version: ctx.client_for(ctx.manager).post(
            reverse("reporting:other_activity", args=[YEAR]), {"child_population": "25000", "version": version}
        ),
        saved=lambda activity: OtherActivity.objects.get(year=YEAR).child_population == 25000,
        version=lambda activity: OtherActivity.objects.get(year=YEAR).version,
    ),
    Case(
        "annual report's comparators",
        make=lambda ctx: reporting_services.report_for_year(YEAR),
        someone_else_changes=lambda ctx, report: reporting_services.save_comparators(
            YEAR, by=ctx.manager, figures={comparable_measures()[0][0]: {"england": Decimal("50.5")}}
        ),
        send=lambda ctx, report, version: ctx.client_for(ctx.manager).post(
            reverse("reporting:comparators", args=[YEAR]),
            {
                "comparator-TOTAL_FORMS": "1",
                "comparator-INITIAL_FORMS": "0",
                "comparator-MIN_NUM_FORMS": "0",
                "comparator-MAX_NUM_FORMS": "80",
                "comparator-0-measure": comparable_measures()[1][0],
                "comparator-0-england": "70.0",
                "version": version,
            },
        ),
        saved=lambda report: ComparatorFigure.objects.filter(year=YEAR, measure=comparable_measures()[1][0]).exists(),
        version=lambda report: type(report).objects.get(pk=report.pk).comparators_version,
    ),
]


@pytest.fixture
def ctx(db, iro, other_iro, manager, looked_after_child, client):
    class Context:
        def client_for(self, user):
            return sign_in(client, user)

    context = Context()
    context.iro, context.other_iro, context.manager, context.child = iro, other_iro, manager, looked_after_child
    return context


def _ids(cases):
    return [case.name for case in cases]


@pytest.mark.parametrize("case", API_CASES, ids=_ids(API_CASES))
def test_the_api_saves_a_change_made_from_the_current_version_and_raises_it(ctx, case):
    record = case.make(ctx)
    opened = case.version(record)
    response = case.send(ctx, record, opened)
    assert response.status_code in (200, 201), response.content
    assert case.saved(record)
    assert case.version(record) == opened + 1


@pytest.mark.parametrize("case", API_CASES, ids=_ids(API_CASES))
def test_the_api_refuses_a_stale_version_with_409_and_saves_nothing(ctx, case):
    record = case.make(ctx)
    opened = case.version(record)
    case.someone_else_changes(ctx, record)
    after_their_change = case.version(record)
    body = assert_error_shape(case.send(ctx, record, opened), 409)
    assert CHANGED_BY_SOMEONE_ELSE in body["detail"]
    assert not case.saved(record)
    assert case.version(record) == after_their_change


@pytest.mark.parametrize(
    "endpoint, body",
    [
        ("care-episodes", {"placement_type": "U4"}),
        ("protection-plans", {"category_of_abuse": "EMO"}),
    ],
)
def test_the_api_asks_for_the_version_on_a_change(ctx, endpoint, body):
    record = {
        "care-episodes": lambda: CareEpisode.objects.get(child=ctx.child),
        "protection-plans": lambda: ChildProtectionPlanFactory(child=ctx.child),
    }[endpoint]()
    response = api_client(ctx.iro).patch(f"/api/v1/{endpoint}/{record.pk}/", body, format="json")
    assert_error_shape(response, 400, "version")
    assert type(record).objects.get(pk=record.pk).version == 1


def test_the_api_asks_for_the_current_allocations_version_on_a_reallocation(ctx):
    response = api_client(ctx.manager).post(
        "/api/v1/allocations/",
        {"child": ctx.child.pk, "iro": ctx.other_iro.pk, "start_date": str(today())},
        format="json",
    )
    assert_error_shape(response, 400, "current_version")
    assert _current_allocation(ctx.child).iro == ctx.iro
    assert Allocation.objects.filter(child=ctx.child).count() == 1


def test_the_api_shows_every_records_version(ctx):
    escalation = _escalation(ctx.child, ctx.iro)
    client = api_client(ctx.manager)
    for url in (
        f"/api/v1/children/{ctx.child.pk}/",
        f"/api/v1/care-episodes/{ctx.child.episodes.get().pk}/",
        f"/api/v1/allocations/{_current_allocation(ctx.child).pk}/",
        f"/api/v1/escalations/{escalation.pk}/",
    ):
        assert client.get(url).json()["version"] == 1, url


@pytest.mark.parametrize("case", PAGE_CASES, ids=_ids(PAGE_CASES))
def test_a_page_saves_a_change_made_from_the_current_version_and_raises_it(ctx, case):
    record = case.make(ctx)
    opened = case.version(record)
    response = case.send(ctx, record, opened)
    assert response.status_code == 302, response.content.decode()
    assert case.saved(record)
    assert case.version(record) == opened + 1


@pytest.mark.parametrize("case", PAGE_CASES, ids=_ids(PAGE_CASES))
def test_a_page_refuses_a_stale_version_with_409_the_message_and_saves_nothing(ctx, case):
    record = case.make(ctx)
    opened = case.version(record)
    case.someone_else_changes(ctx, record)
    after_their_change = case.version(record)
    response = case.send(ctx, record, opened)
    content = response.content.decode()
    assert response.status_code == 409
    assert "<title>Error: " in content and "govuk-error-summary" in content
    assert CHANGED_BY_SOMEONE_ELSE in content and "Nothing you entered has been saved" in content
    assert not case.saved(record)
    assert case.version(record) == after_their_change


def test_a_page_carries_the_version_it_was_opened_at(ctx):
    escalation = _escalation(ctx.child, ctx.iro)
    escalation_services.record_response(
        escalation, by=ctx.manager, responded_on=today(), response_summary="Meeting booked.", today=today()
    )
    page = ctx.client_for(ctx.iro).get(reverse("escalations:resolve", args=[escalation.pk])).content.decode()
    assert '<input type="hidden" name="version" value="2" id="id_version">' in page


def test_a_first_in_contact_plan_agreed_by_someone_else_meanwhile_is_not_overwritten(ctx):
    """The page was opened when the child had no plan (version 0); another IRO agrees one first."""
    _agree_plan(ctx.child, ctx.manager, 6)
    response = ctx.client_for(ctx.iro).post(
        reverse("oversight:in_contact", args=[ctx.child.pk]),
        {"method": "video", "every_weeks": "3", **date_fields("agreed_on", today()), "version": 0},
    )
    assert response.status_code == 409 and CHANGED_BY_SOMEONE_ELSE in response.content.decode()
    assert _current_plan(ctx.child).every_weeks == 6 and InContactPlan.objects.count() == 1
