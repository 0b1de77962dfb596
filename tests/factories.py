"""Factories that build the users and records each test needs, valid by default."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Role, User
from children.codes import SHORT_BREAK_LEGAL_STATUSES
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion
from children.placement_location import PLACEMENT_TYPES_WITHOUT_URN, locate
from escalations import timescales as escalation_timescales
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern, EscalationStep
from outcomes.models import (
    Adoption,
    AdoptionDecision,
    CareLeaverRecord,
    HealthRecord,
    PreviousPermanence,
)
from outcomes.years import birthday, collection_end, collection_start
from oversight.models import OversightKind, OversightRecord
from reviews.models import (
    ConferenceAgency,
    ConferenceAttendance,
    ConferenceAttendee,
    ConferenceRecord,
    CoreGroupMember,
    Review,
    ReviewKind,
    ReviewStatus,
)
from ssda903.exporter import build_rows
from ssda903.outcome_rules import adopted_in_year
from staffing.models import StaffingPeriod

TEST_PASSWORD = "correct horse battery staple"
STAFFED_SINCE = datetime.date(2000, 4, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = "Tester"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    role = Role.IRO
    fte = Decimal("1.00")
    team = "North"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def staffing(obj, create, extracted, **kwargs):
        """An IRO has been on the staff at their FTE since long before any test's dates; pass
        staffing=False for an IRO with no history."""
        if create and obj.role == Role.IRO and extracted is not False:
            StaffingPeriod.objects.create(iro=obj, starts_on=STAFFED_SINCE, fte=obj.fte)


class IroFactory(UserFactory):
    role = Role.IRO


class ManagerFactory(UserFactory):
    role = Role.SERVICE_MANAGER


class BoardMemberFactory(UserFactory):
    role = Role.BOARD_MEMBER


class BusinessSupportFactory(UserFactory):
    role = Role.BUSINESS_SUPPORT


class AdministratorFactory(UserFactory):
    role = Role.ADMINISTRATOR
    is_staff = True
    is_superuser = True


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    local_child_id = factory.Sequence(lambda n: f"T{n:06d}")
    given_name = factory.Sequence(lambda n: f"Sam{n}")
    family_name = "Example"
    date_of_birth = datetime.date(2015, 6, 1)
    sex = "F"
    ethnicity = "WBRI"
    # The SSDA903 return needs MOTHER for every girl looked after (rule 393), and none for a boy.
    is_mother = factory.LazyAttribute(lambda child: False if child.sex == "F" else None)


class CareEpisodeFactory(factory.django.DjangoModelFactory):
    """An episode of care from 10 January 2024; given an end date, it ceased (E4A: returned home)."""

    class Meta:
        model = CareEpisode

    child = factory.SubFactory(ChildFactory)
    start_date = datetime.date(2024, 1, 10)
    end_date = None
    reason_episode_ceased = factory.LazyAttribute(lambda episode: "E4A" if episode.end_date else "")
    reason_for_new_episode = "S"
    legal_status = "C2"
    category_of_need = "N1"
    placement_type = "U6"
    placement_provider = "PR1"
    # Real postcodes inside the authority (settings.AUTHORITY_CODE, Nottingham), none for short
    # breaks and no home postcode for an (ex-)UASC child, as the DfE wants (rules 398, 406); an
    # Ofsted URN for the placements Ofsted registers (rules 218, 222).
    home_postcode = factory.LazyAttribute(
        lambda e: (
            ""
            if e.legal_status in SHORT_BREAK_LEGAL_STATUSES or e.child.is_uasc or e.child.uasc_ceased_on
            else "NG1 5DT"
        )
    )
    placement_postcode = factory.LazyAttribute(
        lambda e: (
            "" if e.legal_status in SHORT_BREAK_LEGAL_STATUSES else "NG1 5DT" if e.placement_type == "P1" else "NG7 2UH"
        )
    )
    provider_urn = factory.LazyAttribute(
        lambda e: (
            ""
            if e.legal_status in SHORT_BREAK_LEGAL_STATUSES or e.placement_type in PLACEMENT_TYPES_WITHOUT_URN
            else "SC123456"
        )
    )
    placement_la = factory.LazyAttribute(lambda e: locate(e.home_postcode, e.placement_postcode).placement_la)
    placement_location = factory.LazyAttribute(
        lambda e: locate(e.home_postcode, e.placement_postcode).placement_location
    )
    placement_distance = factory.LazyAttribute(
        lambda e: locate(e.home_postcode, e.placement_postcode).placement_distance
    )


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    child = factory.SubFactory(ChildFactory)
    iro = factory.SubFactory(IroFactory)
    start_date = datetime.date(2024, 1, 10)


class ChildProtectionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChildProtectionPlan

    child = factory.SubFactory(ChildFactory)
    start_date = datetime.date(2024, 3, 1)
    end_date = None
    end_reason = factory.LazyAttribute(lambda plan: "no_longer_at_risk" if plan.end_date else "")
    initial_category_of_abuse = "NEG"


class StrategyDiscussionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategyDiscussion

    child = factory.SubFactory(ChildFactory)
    date = datetime.date(2024, 2, 1)
    section_47_enquiry_started = True


class ReviewFactory(factory.django.DjangoModelFactory):
    """A looked-after child's review, due: the second of the cycle that began when the child came
    into care (CareEpisodeFactory's start). `booked=True` books it for 10:00 on its due date."""

    class Meta:
        model = Review

    class Params:
        booked = factory.Trait(
            status=ReviewStatus.BOOKED,
            booked_for=factory.LazyAttribute(
                lambda review: timezone.make_aware(datetime.datetime.combine(review.due_date, datetime.time(10)))
            ),
        )

    child = factory.SubFactory(ChildFactory)
    kind = ReviewKind.LAC
    number = 2
    cycle_start = datetime.date(2024, 1, 10)
    due_date = datetime.date(2024, 7, 10)
    status = ReviewStatus.DUE


class HeldReviewFactory(ReviewFactory):
    """A review held, by default on its due date."""

    status = ReviewStatus.HELD
    held_on = factory.SelfAttribute("due_date")


class OversightRecordFactory(factory.django.DjangoModelFactory):
    """A case-file check (a kind that needs no RAG rating)."""

    class Meta:
        model = OversightRecord

    child = factory.SubFactory(ChildFactory)
    iro = factory.SubFactory(IroFactory)
    kind = OversightKind.CASE_FILE_CHECK
    date = datetime.date(2024, 6, 3)
    rag = ""


class EscalationStepFactory(factory.django.DjangoModelFactory):
    """A step sent the day the escalation was raised, its response due as escalations.timescales
    says for its stage; answered when `responded_on` is given."""

    class Meta:
        model = EscalationStep

    escalation = factory.SubFactory("tests.factories.EscalationFactory", steps=[])
    stage = Stage.INFORMAL
    addressed_to_name = "Sam Senior"
    addressed_to_role = "Manager"
    sent_on = factory.SelfAttribute("escalation.raised_on")
    response_due = factory.LazyAttribute(lambda step: escalation_timescales.response_due(step.sent_on, step.stage))
    responded_on = None
    response_summary = factory.LazyAttribute(lambda step: "Answered." if step.responded_on else "")


class EscalationFactory(factory.django.DjangoModelFactory):
    """An escalation, open unless given `resolved_on` (with `resolved_at_stage`) or `withdrawn_on`.
    `steps`: (stage, sent_on) or (stage, sent_on, responded_on) of each step, by default the
    informal step sent the day it was raised; `areas`: its areas of concern, none by default."""

    class Meta:
        model = Escalation
        skip_postgeneration_save = True

    child = factory.SubFactory(ChildFactory)
    raised_by = factory.SubFactory(IroFactory)
    raised_on = datetime.date(2024, 6, 3)
    what_is_wrong = "Drift."
    what_is_asked = "A plan."
    resolved_on = None
    withdrawn_on = None
    status = factory.LazyAttribute(
        lambda escalation: (
            EscalationStatus.RESOLVED
            if escalation.resolved_on
            else EscalationStatus.WITHDRAWN
            if escalation.withdrawn_on
            else EscalationStatus.OPEN
        )
    )
    outcome = factory.LazyAttribute(lambda escalation: "Agreed." if escalation.resolved_on else "")
    withdrawal_reason = factory.LazyAttribute(lambda escalation: "No longer needed." if escalation.withdrawn_on else "")

    @factory.post_generation
    def steps(escalation, create, extracted, **kwargs):
        if not create:
            return
        steps = [(Stage.INFORMAL, escalation.raised_on)] if extracted is None else extracted
        for stage, sent_on, *responded_on in steps:
            EscalationStepFactory(
                escalation=escalation,
                stage=stage,
                sent_on=sent_on,
                responded_on=responded_on[0] if responded_on else None,
            )

    @factory.post_generation
    def areas(escalation, create, extracted, **kwargs):
        if create and extracted:
            EscalationConcern.objects.bulk_create(
                EscalationConcern(escalation=escalation, area=area) for area in extracted
            )


QUORATE_ATTENDANCE = (
    ("Sam Social", ConferenceAgency.SOCIAL_CARE),
    ("PC Pat Patrol", ConferenceAgency.POLICE),
    ("Hana Health", ConferenceAgency.HEALTH),
)


def conference_record_ready(review, attendees=QUORATE_ATTENDANCE, **fields):
    """A conference's draft record that meets every rule for completing it: three agencies
    attended (children's social care one), the parents attended and saw the report, a lead
    social worker, an outline plan and a core group (`fields` overrides the record's)."""
    defaults = {
        "parents_participation": "attended",
        "parents_saw_report": False,
        "lead_social_worker": "Sam Social",
        "outline_plan": "Weekly visits; parenting support.",
        "quorate": True,
    }
    record = ConferenceRecord.objects.create(review=review, kind=review.kind, **(defaults | fields))
    ConferenceAttendee.objects.bulk_create(
        ConferenceAttendee(record=record, name=name, agency=agency, attendance=ConferenceAttendance.ATTENDED)
        for name, agency in attendees
    )
    CoreGroupMember.objects.create(record=record, name="Sam Social", agency=ConferenceAgency.SOCIAL_CARE)
    return record


def held_icpc(iro, manager, *, attendees, outline_plan="Weekly visits by the social worker."):
    """Robin Testcase's initial conference, held two days ago after a strategy discussion twelve
    days ago, that made a neglect plan; `attendees` are the fields of each ConferenceAttendee on
    its record besides the three quorate agencies."""
    from children import services as children_services
    from reviews import services as review_services

    today = timezone.localdate()
    child = ChildFactory(given_name="Robin", family_name="Testcase")
    AllocationFactory(child=child, iro=iro, start_date=today - datetime.timedelta(days=400))
    children_services.record_strategy_discussion(
        child, by=manager, date=today - datetime.timedelta(days=12), section_47_enquiry_started=True
    )
    review = Review.objects.get(child=child, kind=ReviewKind.ICPC, status="due")
    record = conference_record_ready(review, outline_plan=outline_plan)
    ConferenceAttendee.objects.bulk_create(ConferenceAttendee(record=record, **fields) for fields in attendees)
    return review_services.record_review_held(
        review,
        by=iro,
        fields={
            "held_on": today - datetime.timedelta(days=2),
            "conference_outcome": "plan_made",
            "category_of_abuse": "NEG",
        },
    )


def record_attendance_and_views(review, *, child_attended=True):
    """What completing a LAC review needs besides its dates and codes: who came (the child) and
    the child's views, as the IRO records them before completing it. Conferences need neither."""
    from reviews.record_models import Attendance, ParticipantRole, ReviewParticipant, ReviewViews, ViewsGiven, ViewsOf

    if review.kind != ReviewKind.LAC:
        return review
    ReviewParticipant.objects.get_or_create(
        review=review,
        role=ParticipantRole.CHILD,
        defaults={"attendance": Attendance.ATTENDED if child_attended else Attendance.SENT_VIEWS},
    )
    ReviewViews.objects.get_or_create(
        review=review, of=ViewsOf.CHILD, defaults={"text": "I like where I live.", "given": ViewsGiven.IN_PERSON}
    )
    return review


def complete_outcome_records(year: int) -> None:
    """Give every child of the year's outcome cohorts, as the export works them out, the
    complete, rule-abiding records they do not have yet: so that an authority a test made by
    hand, with episodes only, can be exported (rules 186, 191, 543, 545, 601, 630...)."""
    data = build_rows(year)
    children = {child.local_child_id: child for child in Child.objects.all()}
    start, end = collection_start(year), collection_end(year)

    health = set(HealthRecord.objects.filter(year=year).values_list("child__local_child_id", flat=True))
    for row in data.oc2:
        if row["CHILD"] in health:
            continue
        dob = children[row["CHILD"]].date_of_birth
        sdq = birthday(dob, 4) <= end and birthday(dob, 17) >= start
        HealthRecord.objects.create(
            child=children[row["CHILD"]],
            year=year,
            sdq_score=14 if sdq else None,
            convicted=False if birthday(dob, 10) < end else None,
            health_check=True if birthday(dob, 5) > end else None,
            immunisations=True,
            teeth_check=True,
            health_assessment=True,
            substance_misuse=False,
        )

    leavers = set(CareLeaverRecord.objects.filter(year=year).values_list("child__local_child_id", flat=True))
    for row in data.oc3:
        if row["CHILD"] not in leavers:
            CareLeaverRecord.objects.create(
                child=children[row["CHILD"]], year=year, in_touch="YES", activity="F2", accommodation="U1"
            )

    decisions: dict[str, list[datetime.date]] = {}
    for child_id, decided_on in AdoptionDecision.objects.values_list("child__local_child_id", "decided_on"):
        decisions.setdefault(child_id, []).append(decided_on)
    adopted = set(Adoption.objects.values_list("child__local_child_id", flat=True))
    for child_id in sorted(adopted_in_year(data) - adopted):
        episodes = data.episodes_by_child[child_id]
        came_into_care = max(e.decom for e in episodes if e["RNE"] == "S" and e.decom)
        decided = max(decisions.get(child_id, [came_into_care]))
        adoptive_placement = next(e for e in episodes if e["REC"] in {"E11", "E12"})
        Adoption.objects.create(
            child=children[child_id],
            decided_on=decided,
            matched_on=decided,
            by_former_foster_carers=adoptive_placement["PLACE"] in {"A2", "A3", "A5"},
            number_of_adopters=2,
            adopters_sex="MF",
            adopters_legal_status="L11",
        )

    permanence = set(PreviousPermanence.objects.values_list("child__local_child_id", flat=True))
    for row in data.prev_perm:
        if row["CHILD"] not in permanence:
            PreviousPermanence.objects.create(child=children[row["CHILD"]], order="Z1")
