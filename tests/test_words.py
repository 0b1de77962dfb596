"""Words a person reads: dates as "21 May 2025", English articles, the sign-in page's
messages, the page after signing out, and one error at a time where one mistake causes another."""

from datetime import date as D
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from iro_portal.dates import format_date, format_datetime
from oversight import services as oversight_services
from tests.conftest import TEST_PASSWORD, sign_in
from tests.lac_record import record_held
from tests.test_review_pages import child_in_care, due_review


class TestDates:
    def test_one_format_for_a_date_and_for_a_time(self):
        moment = timezone.make_aware(timezone.datetime(2025, 5, 21, 8, 5, 9), timezone.get_fixed_timezone(0))
        assert format_date(D(2025, 5, 21)) == "21 May 2025"
        assert format_date(D(2026, 3, 3)) == "3 March 2026"
        assert format_datetime(moment) == "21 May 2025, 09:05", "UK time (BST in May)"
        assert format_datetime(moment, seconds=True) == "21 May 2025, 09:05:09"
        rendered = Template("{% load govuk %}{{ day|day }} / {{ moment|day_and_time }} / {{ day }}").render(
            Context({"day": D(2026, 3, 3), "moment": moment})
        )
        assert rendered == "3 March 2026 / 21 May 2025, 09:05 / 3 March 2026"

    @pytest.mark.django_db
    def test_pages_write_dates_in_full(self, client, iro, manager):
        today = timezone.localdate()
        child = child_in_care(iro, manager, today - timedelta(days=3))
        review = due_review(child)
        sign_in(client, iro)
        for url in (
            reverse("children:detail", args=[child.pk]),
            reverse("reviews:detail", args=[review.pk]),
            reverse("reviews:due"),
        ):
            html = client.get(url).content.decode()
            assert format_date(review.due_date) in html, url
            assert review.due_date.isoformat() not in html, url
            short = f"{review.due_date.day} {review.due_date:%b} {review.due_date.year}"
            assert short == format_date(review.due_date) or short not in html, url


@pytest.mark.django_db
class TestArticles:
    def test_an_amber_rating(self, iro, looked_after_child):
        today = timezone.localdate()
        with pytest.raises(ValidationError) as refused:
            oversight_services.record_oversight(
                looked_after_child,
                by=iro,
                kind="midway_review",
                date=today,
                rag="amber",
                next_check_date=today + timedelta(days=1),
                today=today,
            )
        assert "After an amber rating the next check must be between" in str(refused.value)

    def test_a_or_an_as_the_word_begins(self):
        rendered = Template("{% load govuk %}{% for role in roles %}{{ role|with_article }}; {% endfor %}").render(
            Context({"roles": ["administrator", "independent reviewing officer", "service manager", "board member"]})
        )
        assert rendered == "an administrator; an independent reviewing officer; a service manager; a board member; "


@pytest.mark.django_db
class TestSignIn:
    def test_each_empty_field_says_what_to_enter_once(self, client):
        html = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
        assert "This field is required" not in html
        summary = html[html.index("govuk-error-summary__list") : html.index("</ul>")]
        assert summary.count("Enter your username") == 1 and summary.count("Enter your password") == 1
        assert html.count("Enter your username") == 2, "once in the summary, once by the field"
        assert html.count("Enter your password") == 2

    def test_only_the_empty_field_is_named(self, client, iro):
        html = client.post(reverse("login"), {"username": iro.username, "password": ""}).content.decode()
        assert "Enter your password" in html and "Enter your username" not in html

    def test_signing_out_says_so(self, client, iro):
        client.post(reverse("login"), {"username": iro.username, "password": TEST_PASSWORD})
        response = client.post(reverse("logout"), follow=True)
        assert response.redirect_chain[-1][0] == reverse("signed_out")
        html = response.content.decode()
        assert "<title>You have signed out – IRO Portal</title>" in html
        assert '<h1 class="govuk-heading-l">You have signed out</h1>' in html
        assert f'href="{reverse("login")}">Sign in again</a>' in html
        assert client.get(reverse("home")).status_code == 302, "signed out for real"

    def test_the_signed_out_page_sends_someone_signed_in_home(self, client, iro):
        sign_in(client, iro)
        assert client.get(reverse("signed_out"))["Location"] == reverse("home")


@pytest.mark.django_db
class TestOneMistakeOneError:
    def test_a_date_before_birth_is_not_also_judged_against_the_childs_age(self, client, iro, manager):
        today = timezone.localdate()
        baby = child_in_care(iro, manager, today - timedelta(days=20), name="Baby", dob=today - timedelta(days=100))
        review = due_review(baby)
        sign_in(client, iro)
        html = record_held(client, review, today - timedelta(days=200), code="PN1").content.decode()
        assert "cannot be before the child was born" in html
        assert "must be PN0" not in html

    def test_a_good_date_still_needs_pn0_for_a_child_under_4(self, client, iro, manager):
        today = timezone.localdate()
        baby = child_in_care(iro, manager, today - timedelta(days=20), name="Baby", dob=today - timedelta(days=100))
        review = due_review(baby)
        sign_in(client, iro)
        html = record_held(client, review, today, code="PN1").content.decode()
        assert "The child was under 4 on the day of the review, so the code must be PN0." in html
