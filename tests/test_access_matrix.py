"""The access matrix (DESIGN.md section 1): every URL pattern of the site and of
the API, discovered from the URL resolver, answered for each role.

Every pattern needs a rule in RULES (what each role gets on a GET, and how to build its URL), so a
new page or endpoint fails `test_every_url_pattern_has_exactly_one_rule` until someone decides
who may open it. Each role is one test that builds its requests from one set of records (made
once for the module) and lists every route whose answer differs from its rule. The board
member's answers are also searched for the test children's names, dates of birth, local ids and
links to their pages (the Corporate Parenting Board sees aggregates only), and the answers to the
IRO without the child allocated for that child's.

Five more IROs cover for `iro` (DESIGN.md section 1): under read cover, under read and record
cover, under cover that starts tomorrow, under cover that ended yesterday and under cover a
manager ended early. Their answers for `iro`'s child follow from each rule: read cover opens the
child's pages and endpoints but not the ones that change its records (403), read and record cover
opens those too, and cover not in force is no cover (404, as for any other IRO's child). None of
them sees `other_iro`'s child."""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.api_tokens import create_api_token
from accounts.models import CoverArrangement, CoverLevel
from audit.models import AuditEvent
from children import services as children_services
from consultations import alert_services
from consultations import services as consultation_services
from consultations.tokens import new_code
from escalations import services as escalation_services
from escalations.codes import Stage
from notifications.models import Notification
from outcomes import adoption_services, missing_services
from outcomes.models import CareLeaverRecord, HealthRecord
from outcomes.years import last_completed_year
from oversight import services as oversight_services
from reporting import services as reporting_services
from reporting.models import DocumentStatus, ReportDocument, Variant
from reviews import services as review_services
from reviews.models import Circulation, CirculationRecipient, Review, ReviewDocument, ReviewDocumentKind
from ssda903.models import ImportRun, ImportStatus
from tests.conftest import kept_for_the_module
from tests.factories import (
    AdministratorFactory,
    AllocationFactory,
    BoardMemberFactory,
    BusinessSupportFactory,
    ChildFactory,
    IroFactory,
    ManagerFactory,
    conference_record_ready,
    record_attendance_and_views,
)

COVER_ROLES = ("covering_read", "covering_record", "cover_not_started", "cover_ended", "cover_ended_early")
ROLES = ("anonymous", "iro", "other_iro", *COVER_ROLES, "manager", "board", "business_support", "admin")
"""`iro` has the test child (`world.child`) allocated; `other_iro` has only `world.other_child`,
so on a child-level route built for `world.child` it is the "IRO without the child allocated".
The COVER_ROLES are IROs with no children of their own, covering for `iro`. Business support
sees every child's pages and enters their episodes, strategy discussions and plans, but records
nothing an IRO or a manager decides and has no dashboard, reports or audit log."""

FORMAT_SUFFIX = r"\.(?P<format>[a-z0-9]+)/?$"


# ---------------------------------------------------------------------------------------------
# What a role gets
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    location: str | Callable | None = None  # for a 302: the start of Location (or world -> it)
    label: str = ""

    def __str__(self):
        return self.label or str(self.status)


OK = Expect(200, label="200 OK")
FORBIDDEN = Expect(403, label="403 forbidden")
NOT_FOUND = Expect(404, label="404 not found")
NO_GET = Expect(405, label="405 (no GET: the route only takes POST)")
UNAUTHENTICATED = Expect(401, label="401 (API: sign in or send a token)")
SIGN_IN = Expect(302, "/sign-in/?next=", label="302 to /sign-in/")
ADMIN_SIGN_IN = Expect(302, "/admin/login/?next=", label="302 to the admin's sign-in")


def redirect(to):
    return Expect(302, to, label=f"302 to {to if isinstance(to, str) else 'the page it belongs to'}")


def roles(
    *, anonymous, iro, other_iro, manager, board, business_support, admin, covering_read=None, covering_record=None
):
    """IROs covering for `iro` get what `other_iro` gets unless said otherwise: on a route about
    `iro`'s child, only cover in force changes that."""
    return {
        "anonymous": anonymous,
        "iro": iro,
        "other_iro": other_iro,
        "manager": manager,
        "board": board,
        "business_support": business_support,
        "admin": admin,
        "covering_read": covering_read or other_iro,
        "covering_record": covering_record or other_iro,
        **dict.fromkeys(COVER_ROLES[2:], other_iro),
    }


def but(base, **changes):
    return {**base, **changes}


# Pages (anonymous people are sent to sign in by LoginRequiredMiddleware)
EVERYONE_SIGNED_IN = roles(anonymous=SIGN_IN, iro=OK, other_iro=OK, manager=OK, board=OK, business_support=OK, admin=OK)
CHILD_LISTS = roles(anonymous=SIGN_IN, iro=OK, other_iro=OK, manager=OK, board=FORBIDDEN, business_support=OK, admin=OK)
"""Lists of children (each IRO sees only their own in them, business support everyone's); never
for the board."""
WORKLISTS = but(CHILD_LISTS, business_support=FORBIDDEN)
"""The oversight worklist and the escalations list: IROs' and managers' work, like the dashboards;
business support enter records and do not see them."""
CHILD_RECORD = roles(
    anonymous=SIGN_IN,
    iro=OK,
    other_iro=NOT_FOUND,
    manager=OK,
    board=FORBIDDEN,
    business_support=OK,
    admin=OK,
    covering_read=OK,
    covering_record=OK,
)
"""A page about `world.child`: its IRO, IROs covering for them, managers and administrators; another
IRO gets 404."""
CHILD_RECORD_CHANGE = but(CHILD_RECORD, covering_read=FORBIDDEN, business_support=FORBIDDEN)
"""A page that changes `world.child`'s records: not under read-only cover (403), nor for business
support (what an IRO or a manager decides)."""
DATA_ENTRY = roles(
    anonymous=SIGN_IN, iro=FORBIDDEN, other_iro=FORBIDDEN, manager=OK, board=FORBIDDEN, business_support=OK, admin=OK
)
"""The pages entering children, episodes, strategy discussions and protection plans: IROs read
them on the child's page."""
MANAGERS = roles(
    anonymous=SIGN_IN,
    iro=FORBIDDEN,
    other_iro=FORBIDDEN,
    manager=OK,
    board=FORBIDDEN,
    business_support=FORBIDDEN,
    admin=OK,
)
REPORT_READERS = roles(
    anonymous=SIGN_IN, iro=FORBIDDEN, other_iro=FORBIDDEN, manager=OK, board=OK, business_support=FORBIDDEN, admin=OK
)
"""The annual report: managers and administrators (the draft), board members (published only)."""
POST_ONLY_PAGE = roles(
    anonymous=SIGN_IN, iro=NO_GET, other_iro=NO_GET, manager=NO_GET, board=NO_GET, business_support=NO_GET, admin=NO_GET
)

# The API (DRF: 401 without a session or token; the permission class before the method)
API_EVERYONE = roles(
    anonymous=UNAUTHENTICATED, iro=OK, other_iro=OK, manager=OK, board=OK, business_support=OK, admin=OK
)
API_CHILD_LISTS = roles(
    anonymous=UNAUTHENTICATED, iro=OK, other_iro=OK, manager=OK, board=FORBIDDEN, business_support=OK, admin=OK
)
API_CHILD_RECORD = roles(
    anonymous=UNAUTHENTICATED,
    iro=OK,
    other_iro=NOT_FOUND,
    manager=OK,
    board=FORBIDDEN,
    business_support=OK,
    admin=OK,
    covering_read=OK,
    covering_record=OK,
)
API_CHILD_POST_ONLY = roles(
    anonymous=UNAUTHENTICATED,
    iro=NO_GET,
    other_iro=NO_GET,
    manager=NO_GET,
    board=FORBIDDEN,
    business_support=NO_GET,
    admin=NO_GET,
)
REVIEW_DOCUMENT = but(CHILD_RECORD, business_support=FORBIDDEN)
"""A document made from `world.child`'s held conference: as the review, except business support
(who enter data but do not read what was said at a conference)."""
API_REVIEW_DOCUMENTS = but(API_CHILD_LISTS, business_support=FORBIDDEN)
API_REVIEW_DOCUMENT = but(API_CHILD_RECORD, business_support=FORBIDDEN)
API_REVIEW_DOCUMENT_POST_ONLY = but(API_CHILD_POST_ONLY, business_support=FORBIDDEN)
API_REPORT_READERS = roles(
    anonymous=UNAUTHENTICATED,
    iro=FORBIDDEN,
    other_iro=FORBIDDEN,
    manager=OK,
    board=OK,
    business_support=FORBIDDEN,
    admin=OK,
)

CONSULTATION_SENDING = but(CHILD_RECORD_CHANGE, business_support=OK, manager=FORBIDDEN, admin=FORBIDDEN)
"""Sending and withdrawing `world.child`'s consultation links: the IRO who may record for them and
business support, who arrange reviews; managers see who was asked and read the replies."""
CONSULTATION_REPLY = but(CHILD_RECORD, business_support=FORBIDDEN)
"""A reply to a consultation link: business support see who replied, not what they said."""
API_CONSULTATION_REPLY = but(API_CHILD_RECORD, business_support=FORBIDDEN)

# The admin site: staff (administrators) only; everyone else is sent to the admin's sign-in.
ADMIN_ONLY = roles(
    anonymous=ADMIN_SIGN_IN,
    iro=ADMIN_SIGN_IN,
    other_iro=ADMIN_SIGN_IN,
    manager=ADMIN_SIGN_IN,
    board=ADMIN_SIGN_IN,
    business_support=ADMIN_SIGN_IN,
    admin=OK,
)
ADMIN_MODEL_PAGE = but(ADMIN_ONLY, anonymous=SIGN_IN)
"""A model's admin pages are not marked login_not_required as the admin site's own are, so
LoginRequiredMiddleware sends anonymous people to the site's sign-in first."""

API_DESCRIPTION = {**dict.fromkeys(ROLES, OK), "anonymous": UNAUTHENTICATED}
API_DESCRIPTION_WHY = "the OpenAPI document and its two pages: every signed-in role or token holder, nobody else"


@dataclass(frozen=True)
class Rule:
    expect: dict
    kwargs: Callable = lambda world: {}
    path: Callable | None = None  # world -> URL, for a pattern without a name
    why: str = ""


def child(world):
    return {"pk": world.child.pk}


def held_review(world):
    return {"pk": world.held_review.pk}


def due_review(world):
    return {"pk": world.due_review.pk}


def open_escalation(world):
    return {"pk": world.escalation.pk}


def year(world):
    return {"year": world.report.year}


def version(world):
    return {"year": world.report.year, "number": world.published.number}


def pdf(world):
    return {"year": world.report.year, "variant": Variant.BOARD}


def published_pdf(world):
    return {**version(world), "variant": Variant.BOARD}


def document(world):
    return {"pk": world.document.pk}


def import_run(world):
    return {"pk": world.import_run.pk}


def pk_of(attribute):
    return lambda world: {"pk": getattr(world, attribute).pk}


RULES = {
    # accounts
    "home": Rule(
        roles(
            anonymous=SIGN_IN,
            iro=redirect("/children/caseload/"),
            other_iro=redirect("/children/caseload/"),
            manager=redirect("/dashboard/"),
            board=redirect("/reports/"),
            business_support=redirect("/children/"),
            admin=redirect("/dashboard/"),
        ),
        why="each role starts from its own page",
    ),
    "login": Rule(
        but({role: redirect("/") for role in ROLES}, anonymous=OK),
        why="open to everyone; a signed-in person is sent home",
    ),
    "sign_in_code": Rule(
        but({role: redirect("/") for role in ROLES}, anonymous=SIGN_IN),
        why="only while a one-time code is pending; otherwise home",
    ),
    "logout": Rule(POST_ONLY_PAGE, why="signing out is a POST"),
    "signed_out": Rule(
        but({role: redirect("/") for role in ROLES}, anonymous=OK),
        why="open to everyone, as signing out leaves them; a signed-in person is sent home",
    ),
    "account": Rule(EVERYONE_SIGNED_IN),
    "password_change": Rule(EVERYONE_SIGNED_IN),
    "password_change_done": Rule(EVERYONE_SIGNED_IN),
    "two_factor": Rule(EVERYONE_SIGNED_IN),
    "api_tokens": Rule(EVERYONE_SIGNED_IN, why="each person's own tokens"),
    "api_token_new": Rule(
        but(dict.fromkeys(ROLES, FORBIDDEN), anonymous=SIGN_IN),
        why="only after a one-time code in this session, which no role here has given",
    ),
    "api_token_revoke": Rule(POST_ONLY_PAGE, pk_of("api_token"), why="revoking is a POST"),
    "manage_service": Rule(MANAGERS, why="links to cover, the SSDA903 return, the audit log (and the admin site)"),
    "cover_list": Rule(MANAGERS),
    "cover_grant": Rule(MANAGERS),
    "cover_check": Rule(
        but(MANAGERS, manager=redirect("/cover/grant/"), admin=redirect("/cover/grant/")),
        why="with no answers waiting to be checked, a manager is sent to the form",
    ),
    "cover_granted": Rule(MANAGERS, pk_of("cover_read")),
    "cover_end": Rule(MANAGERS, pk_of("cover_read")),
    # staffing
    "staffing:list": Rule(MANAGERS, why="each IRO's FTE and agency status, from Manage the service"),
    "staffing:iro": Rule(MANAGERS, lambda world: {"pk": world.users["iro"].pk}),
    "staffing:change": Rule(MANAGERS, lambda world: {"pk": world.users["iro"].pk}),
    "staffing:left": Rule(MANAGERS, lambda world: {"pk": world.users["iro"].pk}),
    # children
    "children:list": Rule(CHILD_LISTS),
    "children:caseload": Rule(
        but(
            CHILD_LISTS,
            manager=redirect("/children/"),
            business_support=redirect("/children/"),
            admin=redirect("/children/"),
        ),
        why="an IRO's own caseload; managers and business support have none and are sent to the children list",
    ),
    "children:detail": Rule(CHILD_RECORD, child),
    "children:allocate": Rule(MANAGERS, child),
    "children:motherhood": Rule(
        CHILD_RECORD_CHANGE, child, why="whoever may record for the child (the allocated IRO, managers) records it"
    ),
    "children:add": Rule(DATA_ENTRY),
    "children:add_episode": Rule(DATA_ENTRY, child),
    "children:episode_recorded": Rule(DATA_ENTRY, pk_of("episode")),
    "children:change_episode": Rule(DATA_ENTRY, pk_of("episode")),
    "children:end_episode": Rule(DATA_ENTRY, pk_of("episode")),
    "children:add_strategy_discussion": Rule(DATA_ENTRY, child),
    "children:start_plan": Rule(DATA_ENTRY, child),
    "children:plan_category": Rule(DATA_ENTRY, pk_of("plan")),
    "children:end_plan": Rule(DATA_ENTRY, pk_of("plan")),
    # children's health (OC2) and care leavers (OC3)
    "health:record_health": Rule(DATA_ENTRY, lambda world: {"pk": world.child.pk, "year": world.health_year}),
    "health:change_health": Rule(DATA_ENTRY, pk_of("health_record")),
    "health:delete_health": Rule(DATA_ENTRY, pk_of("health_record")),
    "health:record_care_leaver": Rule(DATA_ENTRY, lambda world: {"pk": world.child.pk, "year": world.health_year}),
    "health:change_care_leaver": Rule(DATA_ENTRY, pk_of("care_leaver_record")),
    "health:delete_care_leaver": Rule(DATA_ENTRY, pk_of("care_leaver_record")),
    "missing:add_episode": Rule(DATA_ENTRY, child),
    "missing:change_episode": Rule(DATA_ENTRY, pk_of("missing_episode")),
    "missing:came_back": Rule(DATA_ENTRY, pk_of("missing_episode")),
    "missing:delete_episode": Rule(DATA_ENTRY, pk_of("missing_episode")),
    "missing:add_decision": Rule(DATA_ENTRY, child),
    "missing:reverse_decision": Rule(DATA_ENTRY, pk_of("adoption_decision")),
    "missing:delete_decision": Rule(DATA_ENTRY, pk_of("adoption_decision")),
    "missing:add_adoption": Rule(DATA_ENTRY, child),
    "missing:change_adoption": Rule(DATA_ENTRY, pk_of("adoption")),
    "missing:delete_adoption": Rule(DATA_ENTRY, pk_of("adoption")),
    "missing:previous_permanence": Rule(DATA_ENTRY, child),
    # reviews
    "reviews:due": Rule(CHILD_LISTS, why="every review of the authority for managers and business support"),
    "reviews:held": Rule(CHILD_LISTS, why="every review of the authority for managers and business support"),
    "consultations:links": Rule(CHILD_LISTS),
    "reviews:detail": Rule(CHILD_RECORD, held_review),
    "reviews:book": Rule(CHILD_RECORD_CHANGE, due_review),
    "reviews:record": Rule(CHILD_RECORD_CHANGE, pk_of("due_conference"), why="the conference's one-page record"),
    "reviews:edit": Rule(CHILD_RECORD_CHANGE, pk_of("held_icpc"), why="corrections to a held conference"),
    **{
        f"reviews:record_{task}": Rule(CHILD_RECORD_CHANGE, due_review, why="a draft is for those who may record")
        for task in ("tasks", "meeting", "attendance", "views", "checks", "decisions", "participation", "check")
    },
    "reviews:action": Rule(
        CHILD_RECORD,
        pk_of("action"),
        why="an agreed action is opened like its review (and by its owner, who here is nobody)",
    ),
    "reviews:action_done": Rule(CHILD_RECORD_CHANGE, pk_of("action")),
    "reviews:action_new_date": Rule(CHILD_RECORD_CHANGE, pk_of("action")),
    "reviews:conference": Rule(CHILD_RECORD_CHANGE, pk_of("due_conference")),
    "reviews:conference_attendance": Rule(CHILD_RECORD_CHANGE, pk_of("due_conference")),
    "reviews:conference_parents": Rule(CHILD_RECORD_CHANGE, pk_of("due_conference")),
    "reviews:conference_plan": Rule(CHILD_RECORD_CHANGE, pk_of("due_conference")),
    "reviews:conference_core_group": Rule(CHILD_RECORD_CHANGE, pk_of("due_conference")),
    "reviews:conference_held": Rule(CHILD_RECORD_CHANGE, pk_of("held_icpc")),
    "reviews:conference_first_core_group": Rule(CHILD_RECORD_CHANGE, pk_of("held_icpc")),
    "reviews:create_document": Rule(
        but(POST_ONLY_PAGE, board=FORBIDDEN), pk_of("held_icpc"), why="making one is a POST"
    ),
    "reviews:letter": Rule(
        CHILD_RECORD_CHANGE, held_review, why="the letter to the child is written by those who may record for them"
    ),
    "reviews:document": Rule(REVIEW_DOCUMENT, pk_of("review_document")),
    "reviews:document_pdf": Rule(REVIEW_DOCUMENT, pk_of("review_document")),
    "reviews:document_circulation": Rule(CHILD_RECORD_CHANGE, pk_of("review_document")),
    "reviews:document_sent": Rule(
        REVIEW_DOCUMENT, lambda world: {"pk": world.review_document.pk, "circulation": world.circulation.pk}
    ),
    # consultations
    "consultations:review": Rule(CHILD_RECORD, lambda world: {"review_pk": world.due_review.pk}),
    "consultations:send": Rule(CONSULTATION_SENDING, lambda world: {"review_pk": world.due_review.pk}),
    "consultations:feedback_links": Rule(
        but(POST_ONLY_PAGE, board=FORBIDDEN),
        lambda world: {"review_pk": world.held_review.pk},
        why="making feedback links is a POST",
    ),
    "consultations:withdraw": Rule(CONSULTATION_SENDING, pk_of("open_link")),
    "consultations:reply": Rule(CONSULTATION_REPLY, pk_of("answered_link")),
    # oversight
    "oversight:worklist": Rule(WORKLISTS),
    "oversight:record": Rule(CHILD_RECORD_CHANGE, child),
    "oversight:in_contact": Rule(CHILD_RECORD_CHANGE, child),
    "oversight:rate": Rule(CHILD_RECORD_CHANGE, held_review),
    # escalations
    "escalations:list": Rule(WORKLISTS),
    "escalations:raise": Rule(CHILD_RECORD_CHANGE, child),
    "escalations:detail": Rule(CHILD_RECORD, open_escalation),
    "escalations:escalate": Rule(CHILD_RECORD_CHANGE, open_escalation),
    "escalations:respond": Rule(CHILD_RECORD_CHANGE, open_escalation),
    "escalations:resolve": Rule(CHILD_RECORD_CHANGE, open_escalation),
    "escalations:withdraw": Rule(CHILD_RECORD_CHANGE, open_escalation),
    "escalations:reopen": Rule(
        MANAGERS, pk_of("closed_escalation"), why="reopening overrides the IRO's closure: a manager's decision"
    ),
    # safety alerts
    "consultations:alerts": Rule(MANAGERS, why="every open alert; an IRO is told of their own in the inbox"),
    "consultations:alert": Rule(
        but(CHILD_RECORD, business_support=FORBIDDEN),
        pk_of("safety_alert"),
        why="what a child said: business support enter data but do not read it",
    ),
    "consultations:alert_respond": Rule(CHILD_RECORD_CHANGE, pk_of("safety_alert")),
    "consultations:alert_rate_red": Rule(CHILD_RECORD_CHANGE, pk_of("safety_alert")),
    "consultations:watched_words": Rule(MANAGERS),
    "consultations:watched_word_remove": Rule(
        but(MANAGERS, manager=NO_GET, admin=NO_GET), pk_of("watched_phrase"), why="removing is a POST"
    ),
    # reminders
    "notifications:inbox": Rule(EVERYONE_SIGNED_IN, why="everyone's own reminders"),
    "notifications:read": Rule(POST_ONLY_PAGE, pk_of("notification"), why="marking read is a POST"),
    # dashboard and annual reports
    "reporting:dashboard": Rule(
        but(CHILD_LISTS, business_support=FORBIDDEN),
        why="an IRO's own dashboard is limited to their children; business support has none",
    ),
    "reporting:caseloads": Rule(MANAGERS, why="every IRO's caseload; an IRO's own is on their dashboard"),
    "reporting:outcomes": Rule(WORKLISTS, why="the outcome figures: like the dashboard, an IRO's are their children's"),
    "reporting:outcome_children": Rule(
        WORKLISTS,
        lambda world: {"year": world.report.year, "figure": "looked_after_at_end"},
        why="the children behind an outcome figure, of those the user may open",
    ),
    "reporting:annual_reports": Rule(REPORT_READERS),
    "reporting:annual_report": Rule(REPORT_READERS, year),
    "reporting:annual_report_csv": Rule(REPORT_READERS, year),
    "reporting:annual_report_docx": Rule(REPORT_READERS, year),
    "reporting:child_friendly_report": Rule(REPORT_READERS, year),
    "reporting:annual_report_pdf": Rule(
        but(REPORT_READERS, manager=NOT_FOUND, admin=NOT_FOUND),
        pdf,
        why="the board gets the latest published version's PDF; for managers this URL is the draft, which has "
        "no stored PDF on a GET (they POST to make one)",
    ),
    "reporting:narrative": Rule(MANAGERS, year),
    "reporting:highlights": Rule(MANAGERS, year),
    "reporting:other_activity": Rule(MANAGERS, year),
    "reporting:comparators": Rule(MANAGERS, year),
    "reporting:targets": Rule(MANAGERS, year),
    "reporting:publish": Rule(MANAGERS, year),
    "reporting:published_report": Rule(REPORT_READERS, version),
    "reporting:published_report_csv": Rule(REPORT_READERS, version),
    "reporting:published_report_docx": Rule(REPORT_READERS, version),
    "reporting:published_child_friendly_report": Rule(REPORT_READERS, version),
    "reporting:published_report_pdf": Rule(REPORT_READERS, published_pdf),
    "reporting:document": Rule(REPORT_READERS, document),
    "reporting:document_status": Rule(REPORT_READERS, document),
    "reporting:document_download": Rule(REPORT_READERS, document),
    # SSDA903 returns
    "ssda903:overview": Rule(MANAGERS),
    "ssda903:import": Rule(MANAGERS),
    "ssda903:import_run": Rule(MANAGERS, import_run),
    "ssda903:import_status": Rule(MANAGERS, import_run),
    "ssda903:import_errors_csv": Rule(MANAGERS, import_run),
    "ssda903:import_checked": Rule(
        but(
            MANAGERS,
            **{
                role: redirect(lambda world: f"/returns/903/import/{world.import_run.pk}/")
                for role in ("manager", "admin")
            },
        ),
        import_run,
    ),
    "ssda903:export": Rule(MANAGERS),
    "ssda903:to_allocate": Rule(MANAGERS),
    # audit log
    "audit:list": Rule(MANAGERS),
    "audit:export": Rule(MANAGERS),
    # operations
    "operations:healthz": Rule(dict.fromkeys(ROLES, OK), why="public for load balancers; says nothing about anyone"),
    # consultation links: public, opened by a code (tests/test_consultation_public.py)
    "have_your_say:start": Rule(dict.fromkeys(ROLES, OK), why="public: where a consultation code is typed"),
    "have_your_say:form": Rule(
        dict.fromkeys(ROLES, NOT_FOUND),
        lambda world: {"code": new_code()},
        why="public; a code that opens no link shows nothing",
    ),
    # API: children
    "api-child-list": Rule(API_CHILD_LISTS),
    "api-child-detail": Rule(API_CHILD_RECORD, child),
    "api-care-episode-list": Rule(API_CHILD_LISTS),
    "api-missing-episode-list": Rule(API_CHILD_LISTS),
    "api-missing-episode-detail": Rule(API_CHILD_RECORD, pk_of("missing_episode")),
    "api-adoption-decision-list": Rule(API_CHILD_LISTS),
    "api-adoption-decision-detail": Rule(API_CHILD_RECORD, pk_of("adoption_decision")),
    "api-adoption-list": Rule(API_CHILD_LISTS),
    "api-adoption-detail": Rule(API_CHILD_RECORD, pk_of("adoption")),
    "api-previous-permanence-list": Rule(API_CHILD_LISTS),
    "api-previous-permanence-detail": Rule(API_CHILD_RECORD, pk_of("previous_permanence")),
    "api-care-episode-detail": Rule(API_CHILD_RECORD, pk_of("episode")),
    "api-protection-plan-list": Rule(API_CHILD_LISTS),
    "api-protection-plan-detail": Rule(API_CHILD_RECORD, pk_of("plan")),
    "api-strategy-discussion-list": Rule(API_CHILD_LISTS),
    "api-strategy-discussion-detail": Rule(API_CHILD_RECORD, pk_of("strategy_discussion")),
    "api-allocation-list": Rule(API_CHILD_LISTS),
    "api-allocation-detail": Rule(API_CHILD_RECORD, pk_of("allocation")),
    "api-health-record-list": Rule(API_CHILD_LISTS),
    "api-health-record-detail": Rule(API_CHILD_RECORD, pk_of("health_record")),
    "api-care-leaver-record-list": Rule(API_CHILD_LISTS),
    "api-care-leaver-record-detail": Rule(API_CHILD_RECORD, pk_of("care_leaver_record")),
    # API: reviews
    "api-review-list": Rule(API_CHILD_LISTS),
    "api-review-detail": Rule(API_CHILD_RECORD, held_review),
    "api-review-book": Rule(API_CHILD_POST_ONLY, due_review),
    "api-review-record-held": Rule(API_CHILD_POST_ONLY, due_review),
    "api-review-working-record": Rule(
        but(API_CHILD_RECORD, covering_read=FORBIDDEN, business_support=FORBIDDEN),
        due_review,
        why="a draft is for those who may record",
    ),
    "api-review-complete": Rule(API_CHILD_POST_ONLY, due_review),
    "api-review-action-list": Rule(API_CHILD_LISTS),
    "api-review-action-detail": Rule(API_CHILD_RECORD, pk_of("action")),
    "api-review-action-complete": Rule(API_CHILD_POST_ONLY, pk_of("action")),
    "api-review-action-change-due-date": Rule(API_CHILD_POST_ONLY, pk_of("action")),
    "api-conference-list": Rule(API_CHILD_LISTS),
    "api-conference-detail": Rule(API_CHILD_RECORD, pk_of("held_icpc")),
    "api-conference-attendees": Rule(API_CHILD_POST_ONLY, pk_of("due_conference")),
    "api-conference-remove-attendee": Rule(API_CHILD_POST_ONLY, pk_of("due_conference")),
    "api-conference-core-group": Rule(API_CHILD_POST_ONLY, pk_of("due_conference")),
    "api-conference-remove-core-group-member": Rule(API_CHILD_POST_ONLY, pk_of("due_conference")),
    "api-conference-first-core-group": Rule(API_CHILD_POST_ONLY, pk_of("held_icpc")),
    "api-review-letter": Rule(
        but(API_CHILD_RECORD, covering_read=FORBIDDEN, business_support=FORBIDDEN),
        held_review,
        why="the letter to the child is written by those who may record for them",
    ),
    "api-review-document-list": Rule(API_REVIEW_DOCUMENTS),
    "api-review-document-detail": Rule(API_REVIEW_DOCUMENT, pk_of("review_document")),
    "api-review-document-pdf": Rule(API_REVIEW_DOCUMENT, pk_of("review_document")),
    "api-review-document-circulations": Rule(API_REVIEW_DOCUMENT_POST_ONLY, pk_of("review_document")),
    # API: oversight and escalations
    "api-oversight-record-list": Rule(API_CHILD_LISTS),
    "api-oversight-record-detail": Rule(API_CHILD_RECORD, pk_of("oversight_record")),
    "api-consultation-invitation-list": Rule(API_CHILD_LISTS),
    "api-consultation-invitation-detail": Rule(API_CHILD_RECORD, pk_of("open_link")),
    "api-consultation-invitation-withdraw": Rule(API_CHILD_POST_ONLY, pk_of("open_link")),
    "api-consultation-invitation-reply": Rule(API_CONSULTATION_REPLY, pk_of("answered_link")),
    "api-escalation-list": Rule(API_CHILD_LISTS),
    "api-escalation-detail": Rule(API_CHILD_RECORD, open_escalation),
    "api-escalation-escalate": Rule(API_CHILD_POST_ONLY, open_escalation),
    "api-escalation-record-response": Rule(API_CHILD_POST_ONLY, open_escalation),
    "api-escalation-reopen": Rule(API_CHILD_POST_ONLY, pk_of("closed_escalation")),
    "api-escalation-resolve": Rule(API_CHILD_POST_ONLY, open_escalation),
    "api-escalation-withdraw": Rule(API_CHILD_POST_ONLY, open_escalation),
    "api-escalation-step-list": Rule(API_CHILD_LISTS),
    "api-escalation-step-detail": Rule(API_CHILD_RECORD, pk_of("escalation_step")),
    # API: reminders (the caller's own; the test one is `iro`'s)
    "api-notification-list": Rule(API_EVERYONE),
    "api-notification-detail": Rule(
        roles(
            anonymous=UNAUTHENTICATED,
            iro=OK,
            other_iro=NOT_FOUND,
            manager=NOT_FOUND,
            board=NOT_FOUND,
            business_support=NOT_FOUND,
            admin=NOT_FOUND,
        ),
        pk_of("notification"),
        why="another person's reminder is a 404, whoever asks",
    ),
    "api-notification-mark-read": Rule(but(API_EVERYONE, **dict.fromkeys(ROLES[1:], NO_GET)), pk_of("notification")),
    # API: dashboard and annual reports
    "api-dashboard": Rule(
        but(API_CHILD_LISTS, business_support=FORBIDDEN), why="as the dashboard page: business support has none"
    ),
    "api-annual-report-list": Rule(API_REPORT_READERS),
    "api-annual-report-figures": Rule(API_REPORT_READERS, year),
    # API description and its documentation pages
    "api-schema": Rule(API_DESCRIPTION, why=API_DESCRIPTION_WHY),
    "api-docs": Rule(API_DESCRIPTION, why=API_DESCRIPTION_WHY),
    "api-redoc": Rule(API_DESCRIPTION, why=API_DESCRIPTION_WHY),
    # the admin site's own pages
    "admin:index": Rule(ADMIN_ONLY),
    "admin:login": Rule(
        but(dict.fromkeys(ROLES, OK), admin=redirect("/admin/")),  # login_not_required
        why="the admin's sign-in form (a signed-in non-staff person is told they are not allowed)",
    ),
    "admin:logout": Rule(
        but(ADMIN_ONLY, admin=NO_GET, **{role: redirect("/admin/") for role in ROLES[1:-1]}),
        why="signing out is a POST; the admin sends anyone without staff status to its index",
    ),
    "admin:password_change": Rule(ADMIN_ONLY),
    "admin:password_change_done": Rule(ADMIN_ONLY),
    "admin:autocomplete": Rule(
        but(ADMIN_ONLY, admin=FORBIDDEN), why="with no field to complete the admin refuses the request"
    ),
    "admin:jsi18n": Rule(ADMIN_ONLY),
    "admin:view_on_site": Rule(
        but(ADMIN_ONLY, admin=NOT_FOUND),
        lambda world: {
            "content_type_id": ContentType.objects.get_for_model(world.users["iro"]).pk,
            "object_id": world.users["iro"].pk,
        },
        why="a user has no page of its own on the site",
    ),
    "admin:app_list": Rule(ADMIN_ONLY, lambda world: {"app_label": "accounts"}),
    "admin/(?P<url>.*)$": Rule(
        but(ADMIN_ONLY, admin=NOT_FOUND),
        path=lambda world: "/admin/no-such-page/",
        why="the admin's catch-all: staff get 404, others its sign-in",
    ),
}

# Every model registered in the admin site, with the object its per-object pages are built for
# and what an administrator gets on each of its pages where that is not 200.
ADMIN_MODELS = {
    ("auth", "group"): ("group", {}),
    ("axes", "accessattempt"): ("access_attempt", {"add": FORBIDDEN}),
    ("axes", "accesslog"): ("access_log", {"add": FORBIDDEN}),
    ("axes", "accessfailurelog"): ("access_failure_log", {"add": FORBIDDEN}),
    ("otp_totp", "totpdevice"): ("totp_device", {}),
    ("accounts", "user"): ("admin_user_object", {}),
    ("accounts", "apitoken"): ("api_token", {"add": FORBIDDEN, "delete": FORBIDDEN}),
    ("audit", "auditevent"): ("audit_event", {"add": FORBIDDEN, "delete": FORBIDDEN}),
}


def admin_model_rules():
    """The rules of every admin page of each model in ADMIN_MODELS."""
    rules = {}
    for (app, model), (attribute, differences) in ADMIN_MODELS.items():

        def object_id(world, attribute=attribute):
            return {"object_id": getattr(world, attribute).pk}

        def object_url(world, app=app, model=model, attribute=attribute, page=""):
            return f"/admin/{app}/{model}/{getattr(world, attribute).pk}/{page}"

        prefix = f"admin:{app}_{model}"
        rules[f"{prefix}_changelist"] = Rule(ADMIN_MODEL_PAGE)
        rules[f"{prefix}_add"] = Rule(but(ADMIN_MODEL_PAGE, admin=differences.get("add", OK)))
        for page in ("history", "delete", "change"):
            rules[f"{prefix}_{page}"] = Rule(but(ADMIN_MODEL_PAGE, admin=differences.get(page, OK)), object_id)
        # The old-style object URL (no /change/) redirects to the change page.
        rules[f"admin/{app}/{model}/<path:object_id>/"] = Rule(
            but(ADMIN_MODEL_PAGE, admin=redirect(lambda world, url=object_url: url(world, page="change/"))),
            path=object_url,
        )
    return rules


RULES.update(admin_model_rules())
RULES["admin:auth_user_password_change"] = Rule(ADMIN_MODEL_PAGE, lambda world: {"id": world.admin_user_object.pk})
RULES["admin:otp_totp_totpdevice_config"] = Rule(
    but(ADMIN_MODEL_PAGE, admin=FORBIDDEN),
    pk_of("totp_device"),
    why="OTP_ADMIN_HIDE_SENSITIVE_DATA: nobody reads an authenticator app's key",
)
RULES["admin:otp_totp_totpdevice_qrcode"] = Rule(
    but(ADMIN_MODEL_PAGE, admin=FORBIDDEN),
    pk_of("totp_device"),
    why="OTP_ADMIN_HIDE_SENSITIVE_DATA: nobody reads an authenticator app's key",
)


# ---------------------------------------------------------------------------------------------
# Discovering the URL patterns
# ---------------------------------------------------------------------------------------------


def walk(patterns, prefix="", namespace=None):
    """(key, route) of every URL pattern under `patterns`: the key is namespace:name, or the
    joined route string for a pattern without a name."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern), pattern
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, route


def discovered_patterns():
    """{key: route} for the whole site. A DRF format-suffix variant (`.json`) of a route is skipped
    only as a twin of a route that is itself discovered (and so has a rule)."""
    found, suffixed = {}, []
    for key, route in walk(get_resolver().url_patterns):
        if FORMAT_SUFFIX in route:
            suffixed.append(route)
            continue
        assert key not in found, f"two URL patterns share the key {key!r}: {found[key]} and {route}"
        found[key] = route
    routes = set(found.values())
    orphans = [
        route
        for route in suffixed
        if route.replace(FORMAT_SUFFIX, "$") not in routes and route.replace(FORMAT_SUFFIX, "/$") not in routes
    ]
    assert not orphans, f"format-suffix routes with no base route: {orphans}"
    return found


def url_of(key, rule, world):
    if rule.path is not None:
        return rule.path(world)
    return reverse(key, kwargs=rule.kwargs(world))


# ---------------------------------------------------------------------------------------------
# The records every request is built on (made once for the module)
# ---------------------------------------------------------------------------------------------

ZEBEDEE = {
    "given_name": "Zebedee",
    "family_name": "Quixote",
    "local_child_id": "ZQX4471",
    "date_of_birth": datetime.date(2012, 5, 1),
}
XANTHE = {
    "given_name": "Xanthippe",
    "family_name": "Vollmerhausen",
    "local_child_id": "XVH5582",
    "date_of_birth": datetime.date(2013, 9, 17),
}


def child_in_care(details, iro, manager, start):
    child = ChildFactory(**details)
    children_services.record_care_episode(
        child,
        by=manager,
        start_date=start,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=start)
    return child


def escalate(child, iro, today):
    return escalation_services.raise_escalation(
        child,
        by=iro,
        areas=["placement"],
        what_is_wrong="The placement plan has drifted.",
        what_is_asked="A placement planning meeting.",
        stage=Stage.INFORMAL,
        addressed_to_name="Sam Social",
        addressed_to_role="Social worker",
        raised_on=today - datetime.timedelta(days=10),
        today=today,
    )


def build_world():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice

    today = timezone.localdate()
    users = {
        "iro": IroFactory(first_name="Iris", last_name="Reviewer"),
        "other_iro": IroFactory(first_name="Owen", last_name="Other"),
        **{role: IroFactory(first_name="Cora", last_name=role.replace("_", " ").title()) for role in COVER_ROLES},
        "manager": ManagerFactory(first_name="Mina", last_name="Manager"),
        "board": BoardMemberFactory(first_name="Bea", last_name="Board"),
        "business_support": BusinessSupportFactory(first_name="Bina", last_name="Support"),
        "admin": AdministratorFactory(first_name="Ada", last_name="Admin"),
    }
    iro, manager = users["iro"], users["manager"]
    start = today - datetime.timedelta(days=60)
    child = child_in_care(ZEBEDEE, iro, manager, start)
    other_child = child_in_care(XANTHE, users["other_iro"], manager, start)
    missing_episode = missing_services.record_missing_episode(
        child, kind="M", start_date=start + datetime.timedelta(days=5), by=manager, today=today
    )
    adoption_decision = adoption_services.record_adoption_decision(
        child, decided_on=start + datetime.timedelta(days=5), by=manager, today=today
    )
    adoption = adoption_services.record_adoption(
        child,
        by=manager,
        today=today,
        decided_on=start + datetime.timedelta(days=5),
        matched_on=start + datetime.timedelta(days=20),
        by_former_foster_carers=False,
        number_of_adopters=1,
        adopters_sex="F1",
        adopters_legal_status="L0",
    )
    previous_permanence = adoption_services.record_previous_permanence(
        child, order="Z1", by=manager, expected_version=0, today=today
    )
    day = datetime.timedelta(days=1)
    cover = {
        role: CoverArrangement.objects.create(
            covering_iro=users[role],
            covered_iro=iro,
            starts_on=starts_on,
            ends_on=ends_on,
            level=level,
            reason="Annual leave",
            granted_by=manager,
            ended_at=timezone.now() if role == "cover_ended_early" else None,
        )
        for role, starts_on, ends_on, level in [
            ("covering_read", today - 5 * day, today + 5 * day, CoverLevel.READ),
            ("covering_record", today, today, CoverLevel.READ_AND_RECORD),
            ("cover_not_started", today + day, today + 9 * day, CoverLevel.READ_AND_RECORD),
            ("cover_ended", today - 9 * day, today - day, CoverLevel.READ_AND_RECORD),
            ("cover_ended_early", today - 5 * day, today + 5 * day, CoverLevel.READ_AND_RECORD),
        ]
    }

    first = Review.objects.get(child=child, kind="LAC", status="due")
    held = review_services.record_review_held(
        record_attendance_and_views(first),
        by=iro,
        today=today,
        fields={
            "held_on": start + datetime.timedelta(days=10),
            "participation_code": "PN1",
            "parents_participation": "attended",
        },
        actions=[
            {
                "description": "Arrange family time with Zebedee's grandmother.",
                "owner_name": "Sam Social",
                "due_date": today + datetime.timedelta(days=30),
            }
        ],
    )
    due = Review.objects.get(child=child, kind="LAC", status="due")
    children_services.record_strategy_discussion(
        child, by=manager, date=today - datetime.timedelta(days=40), section_47_enquiry_started=True
    )
    plan = children_services.start_protection_plan(
        child, by=manager, start_date=today - datetime.timedelta(days=30), initial_category_of_abuse="NEG"
    )
    due_conference = Review.objects.get(child=child, kind="RCPC", status="due")
    held_icpc = Review.objects.create(
        child=child,
        kind="ICPC",
        number=1,
        cycle_start=today - datetime.timedelta(days=40),
        due_date=today - datetime.timedelta(days=30),
        status="held",
        held_on=today - datetime.timedelta(days=30),
        chair=iro,
        conference_outcome="plan_made",
        category_of_abuse="NEG",
        protection_plan=plan,
    )
    conference_record_ready(held_icpc, first_core_group_due=today - datetime.timedelta(days=16))
    review_document = ReviewDocument.objects.create(
        review=held_icpc,
        kind=ReviewDocumentKind.CONFERENCE_RECORD,
        review_version=held_icpc.version,
        html="<h1>Record of the initial child protection conference</h1>",
        created_by=iro,
        status=DocumentStatus.READY,
        progress=100,
        content=b"%PDF-1.7 the conference record",
    )
    circulation = Circulation.objects.create(document=review_document, sent_on=today, recorded_by=iro)
    CirculationRecipient.objects.create(circulation=circulation, name="Mary Parent", role="parent", method="post")
    oversight_record = oversight_services.record_oversight(
        child, by=iro, kind="case_file_check", date=today - datetime.timedelta(days=5), today=today
    )
    escalation = escalate(child, iro, today)
    closed = escalate(child, iro, today)
    consultation = consultation_services.issue_invitation(due, person_type="child", by=iro)
    safety_alert = consultation_services.submit_response(consultation.code, {"feels_safe": False}).safety_alert
    watched_phrase = alert_services.add_watched_phrase("scared", by=manager)
    escalation_services.withdraw(closed, by=iro, withdrawal_reason="Sorted out at a meeting.", today=today)
    notification = Notification.objects.create(
        recipient=iro,
        kind="review_due",
        subject_type="review",
        subject_id=due.pk,
        child=child,
        due_date=due.due_date,
        step="10",
        message=f"The LAC review for {child.full_name} is due.",
        link=f"/reviews/{due.pk}/",
    )

    # The reporting year (1 April to 31 March) the children's care, reviews and escalations are in,
    # published once, with a stored board PDF.
    report = reporting_services.report_for_year(start.year if start.month >= 4 else start.year - 1)
    published = reporting_services.publish(report, by=manager, confirmed=True)
    document = ReportDocument.objects.create(
        report=report,
        published=published,
        variant=Variant.BOARD,
        requested_by=manager,
        status=DocumentStatus.READY,
        progress=100,
        content=b"%PDF-1.7 the board version",
    )
    import_run = ImportRun.objects.create(  # failed, so that it has an errors CSV to download
        uploaded_by=manager,
        status=ImportStatus.FAILED,
        progress=100,
        finished_at=timezone.now(),
        error_count=1,
        errors=[
            {
                "file": "episodes.csv",
                "row": 2,
                "child": "NOSUCH1",
                "column": "LS",
                "value": "Q9",
                "message": "Legal status Q9 is not in the code list.",
            }
        ],
    )

    attempt = {
        "user_agent": "Browser",
        "ip_address": "192.0.2.1",
        "username": "someone",
        "http_accept": "*/*",
        "path_info": "/sign-in/",
    }
    token, _ = create_api_token(iro, name="Case management link", by=users["admin"])
    open_link = consultation_services.issue_invitation(due, person_type="parent", by=iro, name="Pat Parent")
    answered_link = consultation_services.issue_invitation(due, person_type="child", by=iro)
    consultation_services.submit_response(answered_link.code, {"going_well": "School is good."})
    health_year = last_completed_year(today)
    return SimpleNamespace(
        today=today,
        health_year=health_year,
        health_record=HealthRecord.objects.create(child=child, year=health_year - 1, health_assessment=True),
        care_leaver_record=CareLeaverRecord.objects.create(
            child=child, year=health_year - 1, in_touch="YES", activity="F2", accommodation="U1"
        ),
        users=users,
        child=child,
        other_child=other_child,
        cover_read=cover["covering_read"],
        episode=child.episodes.get(),
        allocation=child.allocations.get(),
        strategy_discussion=child.strategy_discussions.get(),
        plan=plan,
        missing_episode=missing_episode,
        adoption_decision=adoption_decision,
        adoption=adoption,
        previous_permanence=previous_permanence,
        held_review=held,
        due_review=due,
        due_conference=due_conference,
        held_icpc=held_icpc,
        review_document=review_document,
        circulation=circulation,
        action=held.actions.get(),
        oversight_record=oversight_record,
        escalation=escalation,
        escalation_step=escalation.steps.get(),
        closed_escalation=closed,
        safety_alert=safety_alert,
        watched_phrase=watched_phrase,
        notification=notification,
        report=report,
        published=published,
        document=document,
        import_run=import_run,
        group=Group.objects.create(name="Matrix testers"),
        access_attempt=AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **attempt),
        access_log=AccessLog.objects.create(**attempt),
        access_failure_log=AccessFailureLog.objects.create(**attempt),
        # Not one of the roles' users: a confirmed app would make their sign-in wait for a code.
        totp_device=TOTPDevice.objects.create(user=IroFactory(), name="Phone", confirmed=True),
        admin_user_object=iro,
        api_token=token,
        open_link=open_link.invitation,
        answered_link=answered_link.invitation,
        audit_event=AuditEvent.objects.order_by("pk").first(),
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        yield build_world()


@pytest.fixture
def world(built_world, db, settings):
    settings.OTP_REQUIRED_FOR_ROLES = []  # a password alone gives full access (the default)
    return built_world


# ---------------------------------------------------------------------------------------------
# What the board must never see
# ---------------------------------------------------------------------------------------------


def child_identifiers(*children):
    """What would identify these children: names, dates of birth, local ids, links to their pages."""
    found = []
    for child in children:
        dob = child.date_of_birth
        found += [
            child.given_name,
            child.family_name,
            child.local_child_id,
            f"{dob.day} {dob:%B %Y}",
            f"{dob:%d %B %Y}",
            f"{dob:%d/%m/%Y}",
            dob.isoformat(),
            f"/children/{child.pk}/",
        ]
    return found


def leaks(response, identifiers):
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text += json.dumps(json.loads(text), ensure_ascii=False)  # the same with any \u escapes undone
    text += response.get("Location", "")
    return [identifier for identifier in identifiers if identifier in text]


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def test_every_url_pattern_has_exactly_one_rule():
    discovered = set(discovered_patterns())
    without_rule = sorted(discovered - set(RULES))
    without_url = sorted(set(RULES) - discovered)
    assert not without_rule, (
        "These URL patterns have no rule in tests/test_access_matrix.py RULES: decide what each role gets:\n  "
        + "\n  ".join(without_rule)
    )
    assert not without_url, "These RULES match no URL pattern any more:\n  " + "\n  ".join(without_url)


def test_every_rule_says_what_each_role_gets():
    for key, rule in RULES.items():
        assert set(rule.expect) == set(ROLES), key
        assert all(isinstance(expect, Expect) for expect in rule.expect.values()), key


def test_the_admin_rules_cover_every_registered_model():
    registered = {(model._meta.app_label, model._meta.model_name) for model in admin_site._registry}
    assert registered == set(ADMIN_MODELS)


def answer(client, url):
    try:
        return client.get(url), None
    except Exception as error:  # noqa: BLE001 - a 500: reported with the route, not as the first failure only
        return None, f"{type(error).__name__}: {error}"


def mismatch(response, expected, world):
    if response.status_code != expected.status:
        return f"got {response.status_code}" + (f" to {response['Location']}" if response.status_code == 302 else "")
    if expected.status == 302:
        location = expected.location(world) if callable(expected.location) else expected.location
        if not response["Location"].startswith(location):
            return f"got 302 to {response['Location']}"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_its_rule_says(role, world, client):
    if role != "anonymous":
        client.force_login(world.users[role])
    # The board sees no child at all; an IRO never sees a child not allocated to them.
    watched = {
        "board": child_identifiers(world.child, world.other_child),
        "other_iro": child_identifiers(world.child),
        "covering_read": child_identifiers(world.other_child),
        "covering_record": child_identifiers(world.other_child),
        **{role: child_identifiers(world.child, world.other_child) for role in COVER_ROLES[2:]},
    }.get(role, [])
    wrong, seen_by_role = [], []
    for key in sorted(discovered_patterns()):
        rule = RULES[key]
        url = url_of(key, rule, world)
        expected = rule.expect[role]
        response, error = answer(client, url)
        if error is not None:
            wrong.append(f"{key} GET {url}: expected {expected}, raised {error}")
            continue
        if (problem := mismatch(response, expected, world)) is not None:
            wrong.append(f"{key} GET {url}: expected {expected}, {problem}")
        if seen := leaks(response, watched):
            seen_by_role.append(f"{key} GET {url} ({response.status_code}): {', '.join(seen)}")
    report = []
    if wrong:
        report += [f"{len(wrong)} routes answer {role} differently from their rule:", *wrong]
    if seen_by_role:
        whose = (
            "A board member was shown a child's details"
            if role == "board"
            else ("An IRO was shown details of a child neither allocated to them nor under cover in force")
        )
        report += [f"{whose}:", *seen_by_role]
    assert not report, "\n  ".join(report)


def test_the_matrix_size():
    """Prints the size of the matrix (run with -s) and what the cells hold."""
    cells = [rule.expect[role] for rule in RULES.values() for role in ROLES]
    counts = {}
    for expect in cells:
        label = (
            expect.label
            if expect in (SIGN_IN, ADMIN_SIGN_IN)
            else ("302 to another page" if expect.status == 302 else str(expect))
        )
        counts[label] = counts.get(label, 0) + 1
    allowed = counts.get(str(OK), 0)
    print(
        f"\naccess matrix: {len(RULES)} routes x {len(ROLES)} roles = {len(cells)} cells; {allowed} allowed (200), "
        f"{len(cells) - allowed} not: "
        + ", ".join(f"{count} {label}" for label, count in sorted(counts.items()) if label != str(OK))
    )
    assert len(cells) == len(RULES) * len(ROLES) and sum(counts.values()) == len(cells)
