"""The IRO's caseload home page: what they scan for per child, sortable and searchable, in a
fixed number of queries, for their own children and those they cover for."""

from datetime import date as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import CoverArrangement, CoverLevel
from escalations.codes import Stage
from oversight.models import OversightKind
from tests.conftest import escalation_raised, oversight_record, sign_in
from tests.factories import (
    AllocationFactory,
    CareEpisodeFactory,
    ChildFactory,
    EscalationStepFactory,
    IroFactory,
    ReviewFactory,
)

TODAY = D(2025, 5, 20)


def child_of(iro, given, family, local_id=None):
    child = ChildFactory(given_name=given, family_name=family, **({"local_child_id": local_id} if local_id else {}))
    CareEpisodeFactory(child=child, start_date=D(2025, 1, 6))
    AllocationFactory(child=child, iro=iro, start_date=D(2025, 1, 6))
    return child


def review_due(child, due, number=1):
    return ReviewFactory(child=child, number=number, cycle_start=D(2025, 1, 6), due_date=due)


def rated(child, iro, rag, day):
    return oversight_record(child, iro, OversightKind.MIDWAY_REVIEW, day, rag=rag, next_check_date=D(2025, 7, 1))


def escalated(child, iro, *, stage=Stage.TEAM_MANAGER, response_due=D(2025, 5, 15)):
    """Raised on 1 May 2025 straight to `stage`, its response due on `response_due`."""
    escalation = escalation_raised(child, iro, D(2025, 5, 1), steps=[])
    EscalationStepFactory(escalation=escalation, stage=stage, response_due=response_due)
    return escalation


@pytest.fixture
def caseload(db, iro, clock):
    clock(TODAY)
    ada = child_of(iro, "Ada", "Amber", "AMB001")
    review_due(ada, D(2025, 6, 30), number=2)
    rated(ada, iro, "amber", D(2025, 4, 1))
    ben = child_of(iro, "Ben", "Red", "RED002")
    review_due(ben, D(2025, 5, 9))
    rated(ben, iro, "red", D(2025, 5, 1))
    escalation = escalated(ben, iro)
    child_of(iro, "Cal", "Unrated", "UNR003")
    return {"escalation": escalation}


def order(content, *names):
    return sorted(names, key=content.index)


def page(client, **query):
    response = client.get(reverse("children:caseload"), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
class TestWhatTheIroSees:
    def test_each_child_shows_next_review_rag_escalation_and_last_oversight(self, client, iro, caseload):
        sign_in(client, iro)
        content = page(client)
        ben = content[content.index("Ben Red") : content.index("</tr>", content.index("Ben Red"))]
        assert "LAC review 1" in ben and "due 9 May 2025" in ben
        assert '<strong class="govuk-tag govuk-tag--red">Overdue by 7 working days</strong>' in ben
        assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in ben
        assert reverse("escalations:detail", args=[caseload["escalation"].pk]) in ben
        assert "Team manager stage" in ben and "Response overdue" in ben
        assert "1 May 2025" in ben
        ada = content[content.index("Ada Amber") : content.index("</tr>", content.index("Ada Amber"))]
        assert "LAC review 2" in ada and "due 30 June 2025" in ada and "28 working days left" in ada
        assert "Amber</strong>" in ada and "1 April 2025" in ada
        cal = content[content.index("Cal Unrated") : content.index("</tr>", content.index("Cal Unrated"))]
        assert "None due" in cal and "Not rated" in cal and "None recorded" in cal

    def test_soonest_review_first_by_default(self, client, iro, caseload):
        sign_in(client, iro)
        content = page(client)
        assert order(content, "Cal Unrated", "Ada Amber", "Ben Red") == ["Ben Red", "Ada Amber", "Cal Unrated"]
        assert (
            'aria-sort="ascending"><a class="govuk-link app-sort-link" href="?sort=-next_review">Next review' in content
        )

    @pytest.mark.parametrize(
        "sort, expected",
        [
            ("name", ["Ada Amber", "Ben Red", "Cal Unrated"]),
            ("-name", ["Cal Unrated", "Ben Red", "Ada Amber"]),
            ("rag", ["Ben Red", "Ada Amber", "Cal Unrated"]),
            ("-rag", ["Cal Unrated", "Ada Amber", "Ben Red"]),
            ("escalation", ["Ben Red", "Ada Amber", "Cal Unrated"]),
            ("last_oversight", ["Cal Unrated", "Ada Amber", "Ben Red"]),
            ("-next_review", ["Cal Unrated", "Ada Amber", "Ben Red"]),
            ("nonsense", ["Ben Red", "Ada Amber", "Cal Unrated"]),
        ],
    )
    def test_sorted_by_the_column_asked_for(self, client, iro, caseload, sort, expected):
        sign_in(client, iro)
        content = page(client, sort=sort)
        assert order(content, "Cal Unrated", "Ada Amber", "Ben Red") == expected

    def test_sort_links_say_the_order_and_reverse_it(self, client, iro, caseload):
        sign_in(client, iro)
        content = page(client, sort="rag", search="a")
        assert (
            'aria-sort="ascending"><a class="govuk-link app-sort-link" href="?sort=-rag&amp;search=a">RAG rating'
            in content
        )
        assert 'aria-sort="none"><a class="govuk-link app-sort-link" href="?sort=name&amp;search=a">Name' in content
        assert "by rag rating</caption>" in content
        content = page(client, sort="-rag")
        assert 'aria-sort="descending"><a class="govuk-link app-sort-link" href="?sort=rag">RAG rating' in content

    def test_search_by_name_or_local_child_id_keeps_the_sort(self, client, iro, caseload):
        sign_in(client, iro)
        content = page(client, search="ben", sort="rag")
        assert "Ben Red" in content and "Ada Amber" not in content and "Cal Unrated" not in content
        assert 'name="sort" value="rag"' in content and 'value="ben"' in content
        content = page(client, search="unr003")
        assert "Cal Unrated" in content and "Ben Red" not in content
        assert "No children match “nobody”." in page(client, search="nobody")


@pytest.mark.django_db
class TestCoverAndQueries:
    def test_other_iros_children_show_only_under_cover_and_the_search_covers_them(
        self, client, iro, caseload, manager, other_iro
    ):
        stranger = child_of(other_iro, "Sid", "Stranger")
        covered_iro = IroFactory(first_name="Vera", last_name="Away")
        covered = child_of(covered_iro, "Cora", "Covered")
        review_due(covered, D(2025, 5, 1))
        sign_in(client, iro)
        assert "Cora Covered" not in page(client)
        CoverArrangement.objects.create(
            covering_iro=iro,
            covered_iro=covered_iro,
            starts_on=TODAY,
            ends_on=TODAY,
            level=CoverLevel.READ,
            reason="Annual leave",
            granted_by=manager,
        )
        content = page(client)
        assert "Covering for Vera Away" in content and stranger.full_name not in content
        covered_part = content[content.index("Covering for Vera Away") :]
        assert "Cora Covered" in covered_part and "Overdue by 12 working days" in covered_part
        content = page(client, search="cora")
        assert "Cora Covered" in content and "Ben Red" not in content

    def test_a_fixed_number_of_queries_whatever_the_caseload(self, client, iro, caseload, manager):
        covered_iro = IroFactory(first_name="Vera", last_name="Away")
        CoverArrangement.objects.create(
            covering_iro=iro,
            covered_iro=covered_iro,
            starts_on=TODAY,
            ends_on=TODAY,
            level=CoverLevel.READ,
            reason="Annual leave",
            granted_by=manager,
        )
        child_of(covered_iro, "Cora", "Covered")
        sign_in(client, iro)

        def queries(**query):
            with CaptureQueriesContext(connection) as captured:
                page(client, **query)
            return len(captured)

        few = {sort: queries(sort=sort) for sort in ("next_review", "rag", "name")}
        for number in range(8):
            for owner in (iro, covered_iro):
                child = child_of(owner, f"Kid{number}", f"Family{number}")
                review_due(child, D(2025, 6, number + 1))
                rated(child, owner, "green", D(2025, 5, 2))
                escalated(child, owner)
        assert {sort: queries(sort=sort) for sort in few} == few
        assert max(few.values()) <= 20
