"""The escalation pages, driven through the test client as IROs and managers use them."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from escalations import services
from escalations.codes import Stage
from escalations.models import Escalation, EscalationStep
from reviews.timescales import add_working_days
from tests.conftest import sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory
from tests.paging import every_page, label, link


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


@pytest.fixture
def today():
    return timezone.localdate()


def raise_one(child, by, today, *, stage=Stage.INFORMAL, working_days_ago=2, areas=("placement",)):
    return services.raise_escalation(
        child,
        by=by,
        today=today,
        areas=list(areas),
        what_is_wrong="Permanence plan drifting.",
        what_is_asked="A permanence planning meeting.",
        stage=stage,
        addressed_to_name="Sam Social",
        addressed_to_role="Social worker",
        raised_on=add_working_days(today, -working_days_ago),
    )


def read(escalation):
    """The version a page opened now carries in its hidden field."""
    return {"version": Escalation.objects.get(pk=escalation.pk).version}


def raise_post(today, **changes):
    return {
        "areas": ["care_planning", "education"],
        "what_is_wrong": "No PEP for two terms.",
        "what_is_asked": "A PEP meeting this month.",
        "stage": str(Stage.INFORMAL.value),
        "addressed_to_name": "Sam Social",
        "addressed_to_role": "Social worker",
        **date_fields("raised_on", today),
        **changes,
    }


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def many_children_with_escalations(count, iro, manager, today):
    for number in range(count):
        child = ChildFactory(given_name=f"Kid{number}", family_name="Escalated")
        CareEpisodeFactory(child=child)
        AllocationFactory(child=child, iro=iro)
        escalation = raise_one(child, iro, today, areas=("health", "education"), working_days_ago=number % 9)
        services.escalate(
            escalation,
            by=iro,
            stage=Stage.TEAM_MANAGER + number % 3,
            addressed_to_name="T",
            addressed_to_role="Team manager",
            sent_on=today,
            today=today,
        )


@pytest.mark.django_db
class TestRaisingFromTheChildPage:
    def test_the_child_page_offers_raising_and_lists_escalations(self, client, iro, looked_after_child, today):
        raise_one(looked_after_child, iro, today, stage=Stage.SERVICE_MANAGER)
        sign_in(client, iro)
        content = client.get(reverse("children:detail", args=[looked_after_child.pk])).content.decode()
        assert reverse("escalations:raise", args=[looked_after_child.pk]) in content
        assert "Raise an escalation" in content
        assert '<td class="govuk-table__cell">Service manager</td>' in content
        assert "Open</strong>" in content

    def test_errors_are_summarised_and_nothing_saved(self, client, iro, looked_after_child, today):
        sign_in(client, iro)
        url = reverse("escalations:raise", args=[looked_after_child.pk])
        form = client.get(url).content.decode()
        assert form.count('name="areas" type="checkbox"') == 14, "a checkbox for each area of concern"
        response = client.post(
            url, raise_post(today, areas=[], what_is_asked="", **date_fields("raised_on", today + timedelta(days=1)))
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error: Raise an escalation" in content
        assert 'href="#id_areas">Choose at least one area of concern' in content
        assert '<input class="govuk-checkboxes__input" id="id_areas" name="areas"' in content, "the link's target"
        assert 'href="#id_what_is_asked">Describe what you are asking for' in content
        assert not Escalation.objects.exists()
        response = client.post(url, raise_post(today, **date_fields("raised_on", today + timedelta(days=1))))
        assert 'href="#id_raised_on_day">The date raised cannot be in the future.' in response.content.decode()
        assert not Escalation.objects.exists() and not AuditEvent.objects.filter(action="create").exists()

    def test_raise_then_see_the_escalation_with_its_deadline(self, client, iro, looked_after_child, today):
        sign_in(client, iro)
        response = client.post(
            reverse("escalations:raise", args=[looked_after_child.pk]), raise_post(today), follow=True
        )
        content = response.content.decode()
        escalation = Escalation.objects.get()
        assert response.redirect_chain == [(reverse("escalations:detail", args=[escalation.pk]), 302)]
        assert f"Escalation raised for {looked_after_child.full_name}." in content
        assert "Care planning and permanence drift, Education" in content
        due = add_working_days(today, 5)
        assert f"{due.day} {due:%B %Y}" in content
        assert "Awaited" in content


@pytest.mark.django_db
class TestTheProcessThroughThePages:
    def test_escalate_respond_and_resolve(self, client, iro, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today)
        sign_in(client, iro)
        escalate_url = reverse("escalations:escalate", args=[escalation.pk])
        page = client.get(escalate_url).content.decode()
        assert "Informal resolution</label>" not in page and "Head of service</label>" in page
        response = client.post(
            escalate_url,
            {
                "stage": str(Stage.SERVICE_MANAGER.value),
                "addressed_to_name": "Sue Senior",
                "addressed_to_role": "Service manager",
                **date_fields("sent_on", today),
                **read(escalation),
            },
            follow=True,
        )
        assert "has gone to a higher stage" in response.content.decode()

        respond_url = reverse("escalations:respond", args=[escalation.pk])
        before_sent = add_working_days(today, -1)
        response = client.post(
            respond_url, {"response_summary": "Agreed.", **date_fields("responded_on", before_sent), **read(escalation)}
        )
        assert response.status_code == 400
        assert "The response cannot be dated before the escalation was sent to the service manager stage" in (
            response.content.decode()
        )
        client.post(
            respond_url,
            {"response_summary": "Meeting booked.", **date_fields("responded_on", today), **read(escalation)},
        )
        assert EscalationStep.objects.get(escalation=escalation, stage=Stage.SERVICE_MANAGER).responded_on == today

        resolve_url = reverse("escalations:resolve", args=[escalation.pk])
        response = client.post(resolve_url, {"outcome": "", **date_fields("resolved_on", today), **read(escalation)})
        assert 'href="#id_outcome">Describe the outcome of the escalation' in response.content.decode()
        response = client.post(
            resolve_url,
            {"outcome": "Permanence meeting held.", **date_fields("resolved_on", today), **read(escalation)},
            follow=True,
        )
        content = response.content.decode()
        assert f"The escalation for {looked_after_child.full_name} is resolved." in content
        assert "at the service manager stage" in content
        assert "Reopen the escalation" not in content, "IROs cannot reopen"

    def test_a_stage_below_the_current_one_is_refused_on_the_page(self, client, iro, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today, stage=Stage.SERVICE_MANAGER)
        sign_in(client, iro)
        response = client.post(
            reverse("escalations:escalate", args=[escalation.pk]),
            {
                "stage": str(Stage.TEAM_MANAGER.value),
                "addressed_to_name": "T",
                "addressed_to_role": "TM",
                **date_fields("sent_on", today),
                **read(escalation),
            },
        )
        assert response.status_code == 400
        assert "Escalations only go upwards: choose a stage above service manager" in response.content.decode()
        assert escalation.steps.count() == 1

    def test_a_closed_escalation_sends_its_forms_back_to_the_escalation(self, client, iro, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today)
        services.withdraw(escalation, by=iro, withdrawal_reason="Sorted at review.", today=today)
        sign_in(client, iro)
        for name in ("escalations:escalate", "escalations:respond", "escalations:resolve", "escalations:withdraw"):
            response = client.post(reverse(name, args=[escalation.pk]), {}, follow=True)
            assert response.redirect_chain == [(reverse("escalations:detail", args=[escalation.pk]), 302)]
            assert "This escalation is withdrawn, so it cannot be changed." in response.content.decode()
        assert Escalation.objects.get(pk=escalation.pk).status == "withdrawn"

    def test_withdraw_and_a_manager_reopens(self, client, iro, manager, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today)
        sign_in(client, iro)
        response = client.post(
            reverse("escalations:withdraw", args=[escalation.pk]),
            {"withdrawal_reason": "Resolved at the LAC review.", **read(escalation)},
            follow=True,
        )
        assert "is withdrawn." in response.content.decode()
        sign_in(client, manager)
        detail = client.get(reverse("escalations:detail", args=[escalation.pk])).content.decode()
        assert "Reopen the escalation" in detail
        reopen_url = reverse("escalations:reopen", args=[escalation.pk])
        response = client.post(reopen_url, {"reopen_reason": "", **read(escalation)})
        assert 'href="#id_reopen_reason">Give the reason for reopening the escalation' in response.content.decode()
        response = client.post(
            reopen_url, {"reopen_reason": "The review decision was not carried out.", **read(escalation)}, follow=True
        )
        assert "is open again." in response.content.decode()
        assert Escalation.objects.get(pk=escalation.pk).status == "open"


@pytest.mark.django_db
class TestAccess:
    ACTIONS = (
        "escalations:detail",
        "escalations:escalate",
        "escalations:respond",
        "escalations:resolve",
        "escalations:withdraw",
    )

    def test_an_iro_gets_404_for_another_iros_child_and_escalations(self, client, iro, other_iro, other_child, today):
        escalation = raise_one(other_child, other_iro, today)
        sign_in(client, iro)
        assert client.get(reverse("escalations:raise", args=[other_child.pk])).status_code == 404
        assert client.post(reverse("escalations:raise", args=[other_child.pk]), raise_post(today)).status_code == 404
        for name in self.ACTIONS:
            assert client.get(reverse(name, args=[escalation.pk])).status_code == 404
        assert (
            client.post(
                reverse("escalations:resolve", args=[escalation.pk]),
                {"outcome": "Mine now.", **date_fields("resolved_on", today)},
            ).status_code
            == 404
        )
        assert Escalation.objects.get().status == "open" and Escalation.objects.count() == 1

    def test_an_iro_cannot_reopen(self, client, iro, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today)
        services.withdraw(escalation, by=iro, withdrawal_reason="Sorted.", today=today)
        sign_in(client, iro)
        url = reverse("escalations:reopen", args=[escalation.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"reopen_reason": "Changed my mind."}).status_code == 403
        assert Escalation.objects.get().status == "withdrawn"

    def test_board_members_get_403_on_every_escalation_page(self, client, board_member, iro, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today)
        sign_in(client, board_member)
        urls = [
            reverse("escalations:list"),
            reverse("escalations:raise", args=[looked_after_child.pk]),
            reverse("escalations:reopen", args=[escalation.pk]),
        ]
        urls += [reverse(name, args=[escalation.pk]) for name in self.ACTIONS]
        for url in urls:
            assert client.get(url).status_code == 403, url
            assert client.post(url, {}).status_code == 403, url

    def test_anonymous_users_are_sent_to_sign_in(self, client, iro, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today)
        for url in (
            reverse("escalations:list"),
            reverse("escalations:detail", args=[escalation.pk]),
            reverse("escalations:reopen", args=[escalation.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 302 and "/sign-in/" in response["Location"]

    def test_a_manager_sees_and_acts_on_every_escalation(self, client, manager, other_iro, other_child, today):
        escalation = raise_one(other_child, other_iro, today)
        sign_in(client, manager)
        response = client.post(
            reverse("escalations:withdraw", args=[escalation.pk]),
            {"withdrawal_reason": "Duplicate.", **read(escalation)},
        )
        assert response.status_code == 302
        assert Escalation.objects.get().status == "withdrawn"

    def test_viewing_an_escalation_is_audited(self, client, iro, looked_after_child, today):
        escalation = raise_one(looked_after_child, iro, today)
        sign_in(client, iro)
        client.get(reverse("escalations:detail", args=[escalation.pk]))
        assert AuditEvent.objects.filter(
            action="view",
            object_type="escalations.escalation",
            object_id=str(escalation.pk),
            child_id=looked_after_child.pk,
            user=iro,
        ).exists()


@pytest.mark.django_db
class TestLists:
    def test_the_navigation_links_each_role_to_its_list(self, client, iro, manager):
        sign_in(client, iro)
        assert ">My escalations<" in client.get(reverse("reviews:due")).content.decode()
        sign_in(client, manager)
        assert ">Escalations<" in client.get(reverse("reviews:due")).content.decode()

    def test_my_escalations_open_first_overdue_flagged_only_mine(
        self, client, iro, other_iro, looked_after_child, other_child, today
    ):
        closed = raise_one(looked_after_child, iro, today, working_days_ago=1)
        services.withdraw(closed, by=iro, withdrawal_reason="Sorted.", today=today)
        raise_one(looked_after_child, iro, today, working_days_ago=8)
        raise_one(other_child, other_iro, today)
        sign_in(client, iro)
        content = client.get(reverse("escalations:list")).content.decode()
        assert '<h1 class="govuk-heading-l">My escalations</h1>' in content
        assert "2 escalations" in content and other_child.full_name not in content
        assert content.index("Response overdue") < content.index("Withdrawn</strong>")

    def test_managers_see_open_escalations_by_stage_overdue_first(
        self, client, manager, iro, other_iro, looked_after_child, other_child, today
    ):
        raise_one(looked_after_child, iro, today, stage=Stage.DIRECTOR, working_days_ago=1)
        raise_one(other_child, other_iro, today, stage=Stage.TEAM_MANAGER, working_days_ago=1)
        raise_one(looked_after_child, iro, today, stage=Stage.TEAM_MANAGER, working_days_ago=7, areas=("health",))
        sign_in(client, manager)
        content = client.get(reverse("escalations:list")).content.decode()
        assert "3 open escalations" in content and "1 with a response overdue" in content
        team_manager = content.index("Team manager: 2 open")
        director = content.index("Director: 1 open")
        assert (
            team_manager < content.index("Response overdue</strong>") < content.index(other_child.full_name) < director
        )
        assert re.search(r'>Health</th>\s*<td class="govuk-table__cell govuk-table__cell--numeric">1</td>', content), (
            "one open escalation names health"
        )

    def test_managers_list_is_paged_stage_by_stage_with_counts_over_every_page(
        self, client, settings, manager, iro, other_iro, looked_after_child, other_child, today
    ):
        settings.CHILDREN_LIST_PAGE_SIZE = 2
        team_overdue = raise_one(looked_after_child, iro, today, stage=Stage.TEAM_MANAGER, working_days_ago=7)
        team_older = raise_one(other_child, other_iro, today, stage=Stage.TEAM_MANAGER, working_days_ago=2)
        team_newer = raise_one(looked_after_child, iro, today, stage=Stage.TEAM_MANAGER, working_days_ago=1)
        service_too_long = raise_one(other_child, other_iro, today, stage=Stage.SERVICE_MANAGER, working_days_ago=30)
        director = raise_one(looked_after_child, iro, today, stage=Stage.DIRECTOR, working_days_ago=1)
        sign_in(client, manager)
        pages = every_page(client, reverse("escalations:list"), {"status": "open"})

        def listed(content):
            links = {
                reverse("escalations:detail", args=[e.pk]): e
                for e in (team_overdue, team_older, team_newer, service_too_long, director)
            }
            found = re.findall(
                r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="([^"]+)"', content
            )
            return [links[link] for link in found]

        assert [listed(content) for content in pages] == [
            [team_overdue, team_older],
            [team_newer, service_too_long],
            [director],
        ]
        for content in pages:
            assert "5 open escalations" in content
            assert "2 with a response overdue" in content
            assert "1 in the formal process for more than 20 working days" in content
        assert [re.findall(r'<caption class="[^"]+">([^<]+)</caption>', content) for content in pages] == [
            ["Team manager: 3 open, 2 on this page", "Areas of concern"],
            ["Team manager: 3 open, 1 on this page", "Service manager: 1 open", "Areas of concern"],
            ["Director: 1 open", "Areas of concern"],
        ]
        assert link(pages[0], "next").startswith("?status=open&cursor=")
        assert link(pages[1], "prev").startswith("?status=open&cursor=")
        assert (label(pages[1], "prev"), label(pages[1], "next")) == ("1 to 2 of 5", "5 to 5 of 5")

    def test_managers_pagination_keeps_the_filters(self, client, settings, manager, iro, looked_after_child, today):
        settings.CHILDREN_LIST_PAGE_SIZE = 1
        for working_days_ago in (1, 2):
            raise_one(looked_after_child, iro, today, stage=Stage.TEAM_MANAGER, working_days_ago=working_days_ago)
        sign_in(client, manager)
        content = client.get(
            reverse("escalations:list"), {"iro": iro.pk, "status": "all", "area": "placement"}
        ).content.decode()
        assert "2 escalations" in content
        assert link(content, "next").startswith(f"?iro={iro.pk}&status=all&area=placement&cursor=")

    def test_managers_query_count_is_the_same_on_every_page(self, client, settings, iro, manager, today):
        settings.CHILDREN_LIST_PAGE_SIZE = 2
        sign_in(client, manager)
        url = reverse("escalations:list")

        def first_and_second_page():
            second = link(client.get(url).content.decode(), "next")
            return [queries_for(client, url), queries_for(client, url + second)]

        many_children_with_escalations(3, iro, manager, today)
        few = first_and_second_page()
        many_children_with_escalations(7, iro, manager, today)
        assert first_and_second_page() == few and few[0] == few[1]

    def test_managers_filter_by_iro(self, client, manager, iro, other_iro, looked_after_child, other_child, today):
        raise_one(looked_after_child, iro, today)
        raise_one(other_child, other_iro, today)
        sign_in(client, manager)
        content = client.get(reverse("escalations:list"), {"iro": other_iro.pk}).content.decode()
        assert other_child.full_name in content and looked_after_child.full_name not in content
        assert "1 open escalation<" in content

    @pytest.mark.parametrize("user_fixture", ["iro", "manager"])
    def test_query_count_does_not_grow_with_rows(self, request, client, user_fixture, iro, manager, today):
        user = request.getfixturevalue(user_fixture)
        sign_in(client, user)
        many_children_with_escalations(2, iro, manager, today)
        few = queries_for(client, reverse("escalations:list"))
        many_children_with_escalations(25, iro, manager, today)
        assert queries_for(client, reverse("escalations:list")) == few

    def test_child_page_query_count_does_not_grow_with_escalations(self, client, iro, looked_after_child, today):
        sign_in(client, iro)
        url = reverse("children:detail", args=[looked_after_child.pk])
        raise_one(looked_after_child, iro, today)
        few = queries_for(client, url)
        for number in range(10):
            escalation = raise_one(looked_after_child, iro, today, working_days_ago=number)
            services.escalate(
                escalation,
                by=iro,
                stage=Stage.DIRECTOR,
                addressed_to_name="D",
                addressed_to_role="Director",
                sent_on=today,
                today=today,
            )
        assert queries_for(client, url) == few
