#!/usr/bin/env python
"""Queries per page and per API list endpoint (not run by the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_bench_load .venv/bin/python bench/query_counts.py

Opens every list page and dashboard, and the first page of every API list endpoint, as the role
that sees the most: the service manager (every child), except the caseload, which only IROs have
(the IRO holding the most children). Then the pages of one full record of each kind
(full_records()): a held LAC review with its working record, a LAC review with a draft, a held
ICPC with its attendance, core group and documents, a conference with a draft record, the
consultation pages of the LAC review with a draft (its links and replies, a safety alert, the
public start page and an open link's form, opened by someone not signed in), and the data entry pages of a child in care with a child protection plan, with their API endpoints. Pages use a signed-in session and the API a token, as browsers
and integrations do. The counts promise to be the same whatever the number of children, so a run
at one size is compared with a run at another (bench/run.py; tests/test_query_counts_bench.py).

Each address is opened twice by a new visitor (a fresh session or token) and the second request is
counted: what is cached once a process (content types) and what is written once a minute (the
session's last activity, the token's last use) falls in the first request, whatever the order.
Everything runs in a transaction rolled back at the end, so the sessions, tokens, audit events and
draft report the requests write do not stay in the measured data.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_PATH = "/have-your-say/"


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")
    import django

    django.setup()


def _addresses(today, records):
    """(name, path, as the IRO?) for every list page and dashboard, the pages of the full
    `records`, then every API list endpoint and the API endpoints of the records."""
    from django.urls import get_resolver, reverse

    from reviews.timescales import reporting_year_start

    last_complete_year = reporting_year_start(today).year - 1
    held_filters = (
        "child_views=recorded",
        "parents_attended=yes",
        "permanence_plan=yes",
        "check_not_met=health_assessment",
        "quorate=yes",
        "first_core_group=met",
    )
    pages = [
        ("caseload", reverse("children:caseload"), True),
        ("children list", reverse("children:list"), False),
        ("reviews due", reverse("reviews:due"), False),
        ("reviews overdue", reverse("reviews:due") + "?period=overdue", False),
        ("reviews held", reverse("reviews:held"), False),
        ("reviews held late", reverse("reviews:held") + "?timeliness=late", False),
        *(
            (f"reviews held, {held_filter}", f"{reverse('reviews:held')}?{held_filter}", False)
            for held_filter in held_filters
        ),
        ("escalations", reverse("escalations:list"), False),
        ("escalations all", reverse("escalations:list") + "?status=all", False),
        ("oversight worklist", reverse("oversight:worklist"), False),
        ("oversight all children", reverse("oversight:worklist") + "?show=all", False),
        ("dashboard", reverse("reporting:dashboard"), False),
        ("caseload of every IRO", reverse("reporting:caseloads"), False),
        ("annual reports", reverse("reporting:annual_reports"), False),
        ("annual report", reverse("reporting:annual_report", args=[last_complete_year]), False),
        ("audit log", reverse("audit:list"), False),
        ("reminders", reverse("notifications:inbox"), False),
        ("903 children to allocate", reverse("ssda903:to_allocate"), False),
        *_record_pages(records),
        *_consultation_pages(records),
    ]
    list_endpoints = sorted(
        name
        for name in get_resolver().reverse_dict
        if isinstance(name, str) and name.startswith("api-") and name.endswith("-list")
    )
    api = [(f"API {reverse(name)}", reverse(name), False) for name in [*list_endpoints, "api-dashboard"]]
    return pages + api + _record_endpoints(records)


def _record_pages(records):
    """(name, path, as the IRO?) for the pages of each full record."""
    from django.urls import reverse

    held, draft = records["held_lac"], records["draft_lac"]
    icpc, conference = records["held_icpc"], records["draft_conference"]
    document, child, episode, plan = records["document"], records["child"], records["episode"], records["plan"]
    tasks = ("meeting", "attendance", "views", "checks", "decisions", "participation", "check")
    pages = [("held LAC review", reverse("reviews:detail", args=[held]), False)]
    pages += [("held LAC review: record task list", reverse("reviews:record_tasks", args=[held]), False)]
    pages += [
        (f"held LAC review: record {task}", reverse(f"reviews:record_{task}", args=[held]), False) for task in tasks
    ]
    pages += [
        ("LAC review with a draft", reverse("reviews:detail", args=[draft]), False),
        ("LAC review with a draft: record task list", reverse("reviews:record_tasks", args=[draft]), False),
    ]
    pages += [
        (f"LAC review with a draft: record {task}", reverse(f"reviews:record_{task}", args=[draft]), False)
        for task in tasks
    ]
    pages += [
        ("held ICPC", reverse("reviews:detail", args=[icpc]), False),
        ("held ICPC: conference held", reverse("reviews:conference_held", args=[icpc]), False),
        ("held ICPC: first core group", reverse("reviews:conference_first_core_group", args=[icpc]), False),
        ("conference with a draft", reverse("reviews:detail", args=[conference]), False),
    ]
    sections = ("", "_attendance", "_parents", "_plan", "_core_group")
    pages += [
        (
            f"conference with a draft: record{section.replace('_', ' ')}",
            reverse(f"reviews:conference{section}", args=[conference]),
            False,
        )
        for section in sections
    ]
    pages += [
        ("review document", reverse("reviews:document", args=[document]), False),
        ("review document PDF", reverse("reviews:document_pdf", args=[document]), False),
        ("review document: record it was sent", reverse("reviews:document_circulation", args=[document]), False),
        (
            "review document: sent",
            reverse("reviews:document_sent", args=[document, records["circulation"]]),
            False,
        ),
        ("add a child", reverse("children:add"), False),
        ("add a care episode", reverse("children:add_episode", args=[child]), False),
        ("care episode recorded", reverse("children:episode_recorded", args=[episode]), False),
        ("change a care episode", reverse("children:change_episode", args=[episode]), False),
        ("end a care episode", reverse("children:end_episode", args=[episode]), False),
        ("add a strategy discussion", reverse("children:add_strategy_discussion", args=[child]), False),
        ("start a protection plan", reverse("children:start_plan", args=[child]), False),
        ("change a protection plan's category", reverse("children:plan_category", args=[plan]), False),
        ("end a protection plan", reverse("children:end_plan", args=[plan]), False),
    ]
    return pages


def _consultation_pages(records):
    """(name, path, as the IRO?) for the consultation pages: the review's links and replies, the
    safety alerts and watched words, and the public pages (opened by a visitor not signed in). The
    send page is opened by the child's own IRO (the only IRO who may send), given as the user."""
    from django.urls import reverse

    review, replied, alert = records["draft_lac"], records["replied_link"], records["alert"]
    return [
        ("LAC review with a draft: consultation", reverse("consultations:review", args=[review]), False),
        ("LAC review with a draft: send links", reverse("consultations:send", args=[review]), records["child_iro"]),
        ("consultation reply", reverse("consultations:reply", args=[replied]), False),
        ("safety alerts", reverse("consultations:alerts"), False),
        ("safety alert", reverse("consultations:alert", args=[alert]), False),
        ("watched words", reverse("consultations:watched_words"), False),
        ("consultation links behind the views figures", reverse("consultations:links"), False),
        ("have your say: start", reverse("have_your_say:start"), False),
        ("have your say: form", reverse("have_your_say:form", args=[records["open_code"]]), False),
    ]


def _record_endpoints(records):
    """(name, path, as the IRO?) for the API endpoints of each full record."""
    from django.urls import reverse

    return [
        (f"API {name}", reverse(url_name, args=[records[record]]), False)
        for name, url_name, record in (
            ("held LAC review", "api-review-detail", "held_lac"),
            ("held LAC review's working record", "api-review-working-record", "held_lac"),
            ("LAC review with a draft: its working record", "api-review-working-record", "draft_lac"),
            ("held ICPC's conference record", "api-conference-detail", "held_icpc"),
            ("conference with a draft: its record", "api-conference-detail", "draft_conference"),
            ("review document", "api-review-document-detail", "document"),
            ("consultation link", "api-consultation-invitation-detail", "replied_link"),
            ("consultation link's reply", "api-consultation-invitation-reply", "replied_link"),
        )
    ]


def full_records(manager, today):
    """{what: pk} of one full record of each kind, made complete where the seeded data stops,
    through the services the pages use. Call inside the transaction rolled back.

    - the most recent held LAC review with a working record, decisions and an online reply (its
      views page shows and audits the replies), of a child still in care, and the child's next
      LAC review, its draft copied from that record;
    - the most recent held ICPC that made a plan, with its attendance and core group, and the
      next conference due, its draft record copied from that ICPC's;
    - the ICPC's two documents (the conference record's PDF rendered, then recorded as sent) and
      the conference record of each conference held after it in the API list's order, up to a
      page, so that the list's first page shows a document sent (the demo seeds no documents,
      whose PDFs a worker would render);
    - the LAC review's child, their current care episode and an open child protection plan."""
    from django.conf import settings
    from django.db.models import Exists, OuterRef

    from children.models import CareEpisode, ChildProtectionPlan
    from consultations.models import ConsultationResponse
    from reviews import document_services
    from reviews.models import (
        OUTSTANDING_STATUSES,
        ConferenceOutcome,
        ConferenceRecord,
        Review,
        ReviewAction,
        ReviewDocumentKind,
        ReviewKind,
        ReviewStatus,
    )
    from reviews.record_models import ReviewParticipant, ReviewRecord

    held_lac = (
        Review.objects.filter(kind=ReviewKind.LAC, status=ReviewStatus.HELD)
        .filter(Exists(ReviewRecord.objects.filter(review=OuterRef("pk"))))
        .filter(Exists(ReviewParticipant.objects.filter(review=OuterRef("pk"))))
        .filter(Exists(ReviewAction.objects.filter(review=OuterRef("pk"))))
        .filter(Exists(CareEpisode.objects.filter(child=OuterRef("child"), end_date__isnull=True)))
        .filter(Exists(ConsultationResponse.objects.filter(invitation__review=OuterRef("pk"))))
        .filter(
            Exists(Review.objects.filter(child=OuterRef("child"), kind=ReviewKind.LAC, status__in=OUTSTANDING_STATUSES))
        )
        .order_by("-held_on", "-pk")
        .select_related("child")
        .first()
    )
    if held_lac is None:
        raise RuntimeError("No held LAC review with a working record of a child in care: seed the demo.")
    draft_lac = (
        Review.objects.filter(kind=ReviewKind.LAC, status__in=OUTSTANDING_STATUSES, child=held_lac.child_id)
        .order_by("due_date", "pk")
        .first()
    )
    _copy_working_record(held_lac, draft_lac, by=manager)

    held_icpc = (
        Review.objects.filter(
            kind=ReviewKind.ICPC, status=ReviewStatus.HELD, conference_outcome=ConferenceOutcome.PLAN_MADE
        )
        .filter(conference_record__core_group__isnull=False, conference_record__attendees__isnull=False)
        .order_by("-held_on", "-pk")
        .first()
    )
    draft_conference = (
        Review.objects.filter(kind__in=(ReviewKind.ICPC, ReviewKind.RCPC), status__in=OUTSTANDING_STATUSES)
        .order_by("due_date", "pk")
        .first()
    )
    if held_icpc is None or draft_conference is None:
        raise RuntimeError("No held ICPC with a plan and a conference due: seed the demo.")
    _copy_conference_record(ConferenceRecord.objects.get(review=held_icpc), draft_conference, by=manager)
    document = document_services.create_document(held_icpc, kind=ReviewDocumentKind.CONFERENCE_RECORD, by=manager)
    document_services.create_document(held_icpc, kind=ReviewDocumentKind.PARENTS_COPY, by=manager)
    for review in (
        Review.objects.filter(kind__in=(ReviewKind.ICPC, ReviewKind.RCPC), status=ReviewStatus.HELD)
        .filter(pk__gt=held_icpc.pk)
        .order_by("pk")[: settings.API_PAGE_SIZE]
    ):
        document_services.create_document(review, kind=ReviewDocumentKind.CONFERENCE_RECORD, by=manager)
    document_services.render_document(document.pk)
    held_icpc.refresh_from_db()
    circulation = document_services.record_circulation(
        document,
        by=manager,
        sent_on=today,
        recipients=[
            {"name": "Jo Parent", "role": "parent", "method": "post"},
            {"name": "Sam Teacher", "role": "agency", "agency": "Education", "method": "secure_email"},
        ],
        expected_version=held_icpc.version,
        today=today,
    )

    episode = CareEpisode.objects.filter(child=held_lac.child, end_date__isnull=True).order_by("-start_date").first()
    plan = ChildProtectionPlan.objects.filter(end_date__isnull=True).order_by("-start_date", "pk").first()
    if plan is None:
        raise RuntimeError("No open child protection plan: seed the demo.")
    return {
        **_consultation_records(draft_lac, today=today),
        "held_lac": held_lac.pk,
        "draft_lac": draft_lac.pk,
        "held_icpc": held_icpc.pk,
        "draft_conference": draft_conference.pk,
        "document": document.pk,
        "circulation": circulation.pk,
        "child": held_lac.child_id,
        "episode": episode.pk,
        "plan": plan.pk,
    }


def _consultation_records(review, *, today):
    """Links for the child, a parent, the carer and the social worker of `review`, through the
    services the send page and the public form use: the child replies that they do not feel safe
    (which raises a safety alert), the parent replies, the others' links stay open. The LAC
    record's task list and views then show replies. Returns the replied link, the alert and an
    open link's code, and the child's IRO, who sends them."""
    from accounts.models import User
    from children.models import Allocation
    from consultations import services
    from consultations.models import PersonType

    iro = User.objects.get(pk=Allocation.objects.current(today).filter(child_id=review.child_id).values("iro")[:1])
    links = {
        person_type: services.issue_invitation(review, person_type=person_type, by=iro, name=name)
        for person_type, name in (
            (PersonType.CHILD, ""),
            (PersonType.PARENT, "Jo Parent"),
            (PersonType.CARER, "Sam Carer"),
            (PersonType.SOCIAL_WORKER, ""),
        )
    }
    child = services.submit_response(
        links[PersonType.CHILD].code,
        {
            "going_well": "School is going well.",
            "worries": "I do not want to go back there at the weekend.",
            "feels_safe": False,
            "wants_at_review": ["carer", "social_worker"],
        },
    )
    services.submit_response(
        links[PersonType.PARENT].code, {"going_well": "Contact is going well.", "wishes": "More contact."}
    )
    return {
        "replied_link": child.invitation_id,
        "alert": child.safety_alert.pk,
        "open_code": links[PersonType.CARER].code,
        "child_iro": iro,
    }


def _copy_working_record(held, draft, *, by):
    """Draft `draft`'s working record as `held`'s was recorded: attendance, views, checks and
    decisions, through the record services as the task pages save them."""
    from reviews import record_services as services
    from reviews.record_selectors import working_record

    working = working_record(held)
    services.save_attendance(
        draft,
        by=by,
        participants=[
            {"role": p.role, "name": p.name, "invited": p.invited, "attendance": p.attendance}
            for p in working.participants
        ],
        expected_version=0,
    )
    services.save_views(
        draft,
        by=by,
        views={of: {"text": views.text, "given": views.given} for of, views in working.views.items()},
        child_views_not_obtained=working.child_views_not_obtained,
        expected_version=1,
    )
    services.save_care_plan_checks(
        draft,
        by=by,
        answers=_checks_for(draft, working.checks),
        plan_meets_needs=working.plan_meets_needs,
        expected_version=2,
    )
    services.save_draft(
        draft,
        by=by,
        fields={"participation_code": held.participation_code, "parents_participation": held.parents_participation},
        decisions=[
            {"description": action.description, "owner_name": action.owner_display, "due_date": action.due_date}
            for action in working.decisions
        ],
        expected_version=3,
    )


def _checks_for(draft, checks):
    """`checks` as answers for the review `draft`: a check that applies to it but did not to the
    earlier review is met, one that no longer applies is not applicable."""
    from children.selectors import age_on
    from reviews.record_models import CarePlanCheckKind, CheckAnswer
    from reviews.record_selectors import check_applies, review_day

    age = age_on(draft.child.date_of_birth, review_day(draft))
    answers = {}
    for kind in CarePlanCheckKind.values:
        check = checks.get(kind)
        if not check_applies(kind, review_number=draft.number, age=age):
            answers[kind] = {"answer": CheckAnswer.NOT_APPLICABLE, "note": ""}
        elif check is None or check.answer == CheckAnswer.NOT_APPLICABLE:
            answers[kind] = {"answer": CheckAnswer.YES, "note": ""}
        else:
            answers[kind] = {"answer": check.answer, "note": check.note}
    return answers


def _copy_conference_record(held, draft, *, by):
    """Draft `draft`'s conference record as `held` was recorded, through the conference services
    as its pages save it."""
    from reviews import conference_services as services
    from reviews.conference_services import RECORD_FIELDS

    services.save_conference_record(
        draft, by=by, fields={field: getattr(held, field) for field in RECORD_FIELDS}, expected_version=0
    )
    version = 1
    for attendee in held.attendees.all():
        services.add_attendee(
            draft,
            by=by,
            attendee={
                "name": attendee.name,
                "agency": attendee.agency,
                "agency_other": attendee.agency_other,
                "attendance": attendee.attendance,
                "view_on_plan": attendee.view_on_plan,
                "dissent_reason": attendee.dissent_reason,
            },
            expected_version=version,
        )
        version += 1
    for member in held.core_group.all():
        services.add_core_group_member(
            draft,
            by=by,
            member={"name": member.name, "agency": member.agency, "agency_other": member.agency_other},
            expected_version=version,
        )
        version += 1


def _active_just_now(client):
    """Mark the session active now, as if the first request had been quick: a session is saved
    when a minute has passed since it last was (accounts.middleware.note_activity), and a page
    that takes longer than that at 100,000 children would otherwise count that save (three
    statements) as if the page made them."""
    from accounts.middleware import LAST_ACTIVITY_SESSION_KEY

    if client.session.session_key:
        session = client.session
        session[LAST_ACTIVITY_SESSION_KEY] = int(time.time())
        session.save()


def _visitor(path, as_iro, *, manager, busiest_iro):
    """Who opens `path`: nobody signed in for a public page, else the user given as `as_iro`,
    the busiest IRO for True, the service manager for False."""
    if path.startswith(PUBLIC_PATH):
        return None
    if as_iro is True:
        return busiest_iro
    return as_iro or manager


def _new_visitor(client, user, api):
    """Make `client` a new visitor: a fresh session of `user` (pages), a fresh API token of
    theirs and no session (endpoints), or, without a user, someone not signed in (public pages)."""
    from accounts.api_tokens import create_api_token

    client.cookies.clear()
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    if user is None:
        return
    if api:
        _, key = create_api_token(user, name="query counts benchmark", by=None)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    else:
        client.force_login(user)


def query_counts():
    """{page or endpoint: queries its second request by a new visitor made}; raises if any request
    does not answer 200."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from accounts.models import Role, User
    from children.selectors import caseload_sizes

    today = timezone.localdate()
    manager = User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).order_by("pk").first()
    iros = list(User.objects.filter(role=Role.IRO, is_active=True))
    if manager is None or not iros:
        raise RuntimeError("No active service manager or IRO: seed an authority first (manage.py seed_demo).")
    sizes = caseload_sizes(iros, today)
    busiest_iro = max(iros, key=lambda iro: (sizes[iro.pk]["children"], -iro.pk))

    counts = {}
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]), transaction.atomic():
        # One client for every visitor: each new one loads the middleware, and WhiteNoise's then
        # reads every static file's details, which costs more than most pages.
        client = Client()
        records = full_records(manager, today)
        for name, path, as_iro in _addresses(today, records):
            visitor = _visitor(path, as_iro, manager=manager, busiest_iro=busiest_iro)
            _new_visitor(client, visitor, api=path.startswith("/api/"))
            client.get(path)
            _active_just_now(client)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: GET {path} answered {response.status_code}, not 200.")
            counts[name] = len(captured.captured_queries)
        transaction.set_rollback(True)
    return counts


def main():
    _setup_django()
    from children.models import Child

    print(f"{Child.objects.count()} children")
    counts = query_counts()
    width = max(map(len, counts))
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>3}")


if __name__ == "__main__":
    main()
