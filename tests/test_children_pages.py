import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.models import Allocation
from outcomes.models import CareLeaverRecord, HealthRecord
from tests.conftest import sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, ChildProtectionPlanFactory, IroFactory
from tests.paging import follow, label, link

D = datetime.date


def make_children(count, iro, **episode):
    for number in range(count):
        child = ChildFactory(given_name=f"Kid{number}", family_name=f"Family{number:03d}")
        CareEpisodeFactory(
            child=child, end_date=D(2024, 3, 1), reason_episode_ceased="X1", reason_for_placement_change="CARPL"
        )
        CareEpisodeFactory(child=child, start_date=D(2024, 3, 1), reason_for_new_episode="P", **episode)
        AllocationFactory(child=child, iro=iro)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.django_db
class TestCaseload:
    def test_iro_children_list_shows_age_legal_status_placement_and_period_start(self, client, iro, looked_after_child):
        sign_in(client, iro)
        content = client.get(reverse("children:list")).content.decode()
        assert "Full care order" in content
        assert "Foster placement with other foster carer, not long-term or FFA" in content
        assert "10 January 2024" in content

    def test_period_of_care_start_is_the_first_contiguous_episode(self, client, iro):
        make_children(1, iro)
        sign_in(client, iro)
        content = client.get(reverse("children:list")).content.decode()
        assert "10 January 2024" in content and "1 March 2024" not in content

    def test_caseload_queries_do_not_grow_with_rows(self, client, iro):
        sign_in(client, iro)
        make_children(2, iro)
        few = queries_for(client, reverse("children:caseload"))
        make_children(30, iro)
        assert queries_for(client, reverse("children:caseload")) == few

    def test_caseload_per_fte(self, client):
        part_time = IroFactory(fte="0.50")
        make_children(3, part_time)
        sign_in(client, part_time)
        content = client.get(reverse("children:caseload")).content.decode()
        assert ">6.0 (you work 0.50 FTE" in content


@pytest.mark.django_db
class TestChildrenList:
    def test_list_queries_do_not_grow_with_rows(self, client, manager, iro):
        sign_in(client, manager)
        make_children(2, iro)
        few = queries_for(client, reverse("children:list"))
        make_children(60, iro)
        second = link(client.get(reverse("children:list")).content.decode(), "next")
        assert queries_for(client, reverse("children:list") + second) == few

    def test_filter_by_iro(self, client, manager, looked_after_child, other_child, other_iro):
        sign_in(client, manager)
        content = client.get(reverse("children:list"), {"iro": other_iro.pk}).content.decode()
        assert "Casey Elsewhere" in content and "Robin Looked-After" not in content

    def test_filter_by_legal_status_and_placement(self, client, manager, iro):
        make_children(1, iro, legal_status="C1", placement_type="K2")
        make_children(1, iro)
        sign_in(client, manager)
        content = client.get(reverse("children:list"), {"legal_status": "C1"}).content.decode()
        assert "1 child matches" in content and "Kid0 Family000" in content
        content = client.get(reverse("children:list"), {"placement_type": "K2", "legal_status": "C2"}).content.decode()
        assert "0 children match" in content

    def test_filter_by_care_status(self, client, manager, iro, looked_after_child):
        plan_only = ChildFactory(given_name="Pat", family_name="Plan")
        ChildProtectionPlanFactory(child=plan_only)
        ChildProtectionPlanFactory(child=looked_after_child)
        sign_in(client, manager)

        def names(status):
            return client.get(reverse("children:list"), {"care_status": status}).content.decode()

        assert "Pat Plan" in names("protection_plan") and "Robin Looked-After" in names("protection_plan")
        assert "Pat Plan" not in names("looked_after")
        assert "Robin Looked-After" in names("both") and "Pat Plan" not in names("both")

    def test_search_by_name_or_id(self, client, manager, looked_after_child, other_child):
        sign_in(client, manager)
        content = client.get(reverse("children:list"), {"search": "robin"}).content.decode()
        assert "Robin Looked-After" in content and "Casey Elsewhere" not in content
        content = client.get(reverse("children:list"), {"search": other_child.local_child_id}).content.decode()
        assert "Casey Elsewhere" in content and "Robin Looked-After" not in content

    def test_pagination_keeps_the_filters(self, client, manager, iro):
        make_children(55, iro)
        sign_in(client, manager)
        content = client.get(reverse("children:list"), {"legal_status": "C2"}).content.decode()
        assert link(content, "next").startswith("?legal_status=C2&cursor=")
        assert "Showing 1 to 50 of 55" in content and label(content, "next") == "51 to 55 of 55"
        second = follow(client, reverse("children:list"), content)
        assert "Showing 51 to 55 of 55" in second and link(second, "next") is None
        assert link(second, "prev").startswith("?legal_status=C2&cursor=") and label(second, "prev") == "1 to 50 of 55"


@pytest.mark.django_db
class TestChildPage:
    def test_child_page_shows_timeline_plans_and_iros(self, client, manager, iro, other_iro, looked_after_child):
        ChildProtectionPlanFactory(child=looked_after_child, end_date=D(2024, 9, 1), end_reason="no_longer_at_risk")
        from children.services import allocate_iro

        allocate_iro(looked_after_child, iro=other_iro, start_date=D(2025, 1, 6), by=manager)
        sign_in(client, manager)
        content = client.get(reverse("children:detail", args=[looked_after_child.pk])).content.decode()
        assert "Period of care from 10 January 2024 (continuing)" in content
        assert "Neglect" in content and "Child no longer at continuing risk of significant harm" in content
        assert "Owen Other, since 6 January 2025" in content
        assert "Iris Reviewer" in content

    def test_child_page_query_count_is_bounded(self, client, manager, looked_after_child):
        sign_in(client, manager)
        url = reverse("children:detail", args=[looked_after_child.pk])
        few = queries_for(client, url)
        for month in range(2, 12):
            ChildProtectionPlanFactory(
                child=looked_after_child, start_date=D(2020, month, 1), end_date=D(2020, month, 20), end_reason="other"
            )
        for year in range(2019, 2026):
            HealthRecord.objects.create(child=looked_after_child, year=year, health_assessment=True, sdq_score=12)
            CareLeaverRecord.objects.create(child=looked_after_child, year=year, in_touch="YES", activity="F2")
        assert queries_for(client, url) == few


@pytest.mark.django_db
class TestAllocateForm:
    def url(self, child):
        return reverse("children:allocate", args=[child.pk])

    def test_reallocate_through_the_form(self, client, manager, iro, other_iro, looked_after_child):
        sign_in(client, manager)
        response = client.post(
            self.url(looked_after_child),
            {
                "iro": other_iro.pk,
                "start_date_day": "3",
                "start_date_month": "2",
                "start_date_year": "2025",
                "version": 1,
            },
            follow=True,
        )
        assert "Owen Other is now the IRO for Robin Looked-After." in response.content.decode()
        current = Allocation.objects.get(child=looked_after_child, end_date__isnull=True)
        assert current.iro == other_iro

    def test_empty_form_shows_error_summary_and_changes_nothing(self, client, manager, iro, looked_after_child):
        sign_in(client, manager)
        response = client.post(self.url(looked_after_child), {})
        content = response.content.decode()
        assert response.status_code == 400
        assert "There is a problem" in content
        assert 'href="#id_iro">Choose the IRO who will review this child' in content
        assert 'href="#id_start_date_day">Enter the date the allocation starts' in content
        assert Allocation.objects.filter(child=looked_after_child).count() == 1

    def test_impossible_date_is_explained(self, client, manager, other_iro, looked_after_child):
        sign_in(client, manager)
        response = client.post(
            self.url(looked_after_child),
            {"iro": other_iro.pk, "start_date_day": "31", "start_date_month": "2", "start_date_year": "2025"},
        )
        assert "Enter a real date" in response.content.decode()
        assert Allocation.objects.filter(child=looked_after_child).count() == 1

    def test_service_rule_is_shown_against_the_field(self, client, manager, other_iro, looked_after_child):
        sign_in(client, manager)
        response = client.post(
            self.url(looked_after_child),
            {
                "iro": other_iro.pk,
                "start_date_day": "1",
                "start_date_month": "1",
                "start_date_year": "2020",
                "version": 1,
            },
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert 'href="#id_start_date_day">The new allocation must start on or after 10 January 2024' in content
        assert Allocation.objects.filter(child=looked_after_child).count() == 1

    def test_unknown_child_is_404(self, client, manager):
        sign_in(client, manager)
        assert client.get(reverse("children:allocate", args=[999999])).status_code == 404
