"""IRO staffing as it was on each day: the history a manager records, the FTE each day's caseload
per FTE divides by (last year's report uses last year's FTE), caseloads of children looked after
alone beside all allocated children, and the vacancies, training and supervision entered per year.

The hand-made service: Hana Hours works 1.00 FTE until 30 September 2025 and 0.50 from 1 October
2025; Aga Agency works 0.80 through an agency throughout. Hana holds 12 children from January
2024: 8 looked after, 4 on a child protection plan only. Aga holds 4 children, all looked after.
On 31 March 2025: 1.80 FTE, 16 children (8.9 per FTE), 12 looked after (6.7 per FTE).
On 31 March 2026: 1.30 FTE, 16 children (12.3 per FTE), 12 looked after (9.2 per FTE)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from children.models import Allocation, CareEpisode, Child
from reporting import annual_report, services
from reporting.presentation import board_suppression
from reporting.selectors import caseloads
from staffing import selectors as staffing_selectors
from staffing.models import StaffingPeriod
from staffing.services import STAFFING_CHANGED_MESSAGE, record_leaving, record_staffing_change
from tests.conftest import sign_in
from tests.factories import IroFactory

TODAY = date(2026, 12, 7)
LAST_YEAR_END = date(2025, 3, 31)
THIS_YEAR_END = date(2026, 3, 31)
CHANGED = date(2025, 10, 1)


def children_for(iro, prefix, looked_after, protection_only):
    """Children allocated to `iro` since 10 January 2024: some looked after since then, the others on a plan only."""
    created = Child.objects.bulk_create(
        Child(
            local_child_id=f"{prefix}{number:03d}",
            given_name=f"Child{number}",
            family_name=prefix.title(),
            date_of_birth="2014-01-01",
            sex="M",
            ethnicity="WBRI",
        )
        for number in range(looked_after + protection_only)
    )
    Allocation.objects.bulk_create(Allocation(child=child, iro=iro, start_date="2024-01-10") for child in created)
    CareEpisode.objects.bulk_create(
        CareEpisode(
            child=child,
            start_date="2024-01-10",
            legal_status="C2",
            placement_type="U1",
            reason_for_new_episode="S",
            category_of_need="N1",
        )
        for child in created[:looked_after]
    )


@pytest.fixture
def hana(db, manager):
    hana = IroFactory(first_name="Hana", last_name="Hours", fte=Decimal("1.00"))
    record_staffing_change(
        hana,
        starts_on=CHANGED,
        fte=Decimal("0.50"),
        agency=False,
        by=manager,
        expected_version=1,
        today=TODAY,
    )
    children_for(hana, "HANA", looked_after=8, protection_only=4)
    return hana


@pytest.fixture
def aga(db):
    aga = IroFactory(first_name="Aga", last_name="Agency", fte=Decimal("0.80"), staffing=False)
    StaffingPeriod.objects.create(iro=aga, starts_on=date(2023, 6, 1), fte=Decimal("0.80"), agency=True)
    children_for(aga, "AGA", looked_after=4, protection_only=0)
    return aga


class TestHistory:
    def test_a_change_ends_the_period_before_it_and_today_matches_the_account(self, hana, manager):
        periods = list(StaffingPeriod.objects.filter(iro=hana).order_by("starts_on").values_list("ends_on", "fte"))
        assert periods == [(CHANGED - timedelta(days=1), Decimal("1.00")), (None, Decimal("0.50"))]
        assert staffing_selectors.fte_on(hana, CHANGED - timedelta(days=1)) == Decimal("1.00")
        assert staffing_selectors.fte_on(hana, CHANGED) == Decimal("0.50")
        hana.refresh_from_db()
        assert hana.fte == staffing_selectors.fte_on(hana, TODAY) == Decimal("0.50")
        event = AuditEvent.objects.get(object_type="staffing.staffingperiod")
        assert event.detail["previous"] == {"fte": "1.00", "agency": False, "ends_on": "2025-09-30"}

    def test_a_change_from_the_future_or_before_the_last_one_is_refused(self, hana, manager):
        latest = staffing_selectors.latest_period(hana)
        for starts_on in (TODAY + timedelta(days=1), CHANGED, CHANGED - timedelta(days=30)):
            with pytest.raises(Exception) as refused:
                record_staffing_change(
                    hana,
                    starts_on=starts_on,
                    fte=Decimal("0.60"),
                    agency=False,
                    by=manager,
                    expected_version=latest.version,
                    today=TODAY,
                )
            assert "starts_on" in refused.value.message_dict
        assert StaffingPeriod.objects.filter(iro=hana).count() == 2

    def test_a_change_made_from_an_older_version_is_refused_whole(self, hana, manager):
        """Version 1 is what a page opened before the change to 0.50 showed; 0, one opened before any history."""
        assert staffing_selectors.latest_period(hana).version == 3
        for stale in (0, 1, 2):
            with pytest.raises(Exception) as refused:
                record_staffing_change(
                    hana,
                    starts_on=TODAY,
                    fte=Decimal("0.60"),
                    agency=False,
                    by=manager,
                    expected_version=stale,
                    today=TODAY,
                )
            assert refused.value.messages == [STAFFING_CHANGED_MESSAGE]
        assert StaffingPeriod.objects.filter(iro=hana).count() == 2

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's")
    def test_the_database_refuses_overlapping_periods(self, hana):
        with pytest.raises(IntegrityError), transaction.atomic():
            StaffingPeriod.objects.create(iro=hana, starts_on=date(2025, 12, 1), fte=Decimal("0.60"))

    def test_the_database_refuses_an_fte_of_0_or_over_1(self, hana):
        for fte in (Decimal("0"), Decimal("1.10")):
            with pytest.raises(IntegrityError), transaction.atomic():
                StaffingPeriod.objects.create(iro=hana, starts_on=date(1990, 1, 1), ends_on=date(1990, 2, 1), fte=fte)


class TestCaseloadsOnADay:
    def test_each_day_divides_by_that_days_fte(self, hana, aga):
        last_year, this_year = caseloads(LAST_YEAR_END), caseloads(THIS_YEAR_END)
        assert [(row.iro.first_name, row.fte, row.children, row.lac_children) for row in last_year["rows"]] == [
            ("Aga", Decimal("0.80"), 4, 4),
            ("Hana", Decimal("1.00"), 12, 8),
        ]
        assert (last_year["total_fte"], last_year["per_fte"], last_year["lac_per_fte"]) == (Decimal("1.80"), 8.9, 6.7)
        assert (this_year["total_fte"], this_year["per_fte"], this_year["lac_per_fte"]) == (Decimal("1.30"), 12.3, 9.2)
        assert this_year["rows"][1].per_fte == 24.0 and this_year["rows"][1].lac_per_fte == 16.0
        assert last_year["agency_iros"] == this_year["agency_iros"] == 1

    def test_the_figures_recount_from_the_raw_rows(self, hana, aga):
        for on in (LAST_YEAR_END, THIS_YEAR_END):
            figures = caseloads(on)
            periods = [
                period
                for period in StaffingPeriod.objects.all()
                if period.starts_on <= on and (period.ends_on is None or on <= period.ends_on)
            ]
            looked_after = {
                episode.child_id
                for episode in CareEpisode.objects.all()
                if episode.start_date <= on and (episode.end_date is None or on < episode.end_date)
            }
            allocated = [
                allocation
                for allocation in Allocation.objects.all()
                if allocation.start_date <= on and (allocation.end_date is None or on < allocation.end_date)
            ]
            fte = sum(period.fte for period in periods)
            assert figures["total_fte"] == fte
            assert figures["per_fte"] == round(len(allocated) / float(fte), 1)
            lac = [allocation for allocation in allocated if allocation.child_id in looked_after]
            assert figures["lac_per_fte"] == round(len(lac) / float(fte), 1)

    def test_two_queries_however_long_the_history(self, hana, aga, manager, django_assert_num_queries):
        """The allocations per IRO (counted by shard of children, reporting.tallies) and the IROs
        with their hours that day."""
        with django_assert_num_queries(2):
            caseloads(THIS_YEAR_END)
        for month in range(1, 7):
            record_staffing_change(
                aga,
                starts_on=date(2026, month, 1),
                fte=Decimal("0.80") - Decimal("0.10") * (month % 2),
                agency=True,
                by=manager,
                expected_version=None,
                today=TODAY,
            )
        with django_assert_num_queries(2):
            figures = caseloads(THIS_YEAR_END)
        assert figures["total_fte"] == Decimal("1.20")  # Hana's 0.50 and Aga's 0.70 from 1 March 2026

    def test_an_iro_not_yet_on_the_staff_is_not_counted(self, hana):
        assert [row.iro for row in caseloads(date(2000, 1, 1))["rows"]] == []


@pytest.mark.django_db
class TestTheAnnualReport:
    def test_last_years_column_uses_last_years_fte(self, hana, aga):
        figures = services.draft(services.report_for_year(2025), TODAY).figures
        expected = {
            "service.iros": (2, 2),
            "service.fte": (1.3, 1.8),
            "service.part_time_iros": (2, 1),
            "service.agency_iros": (1, 1),
            "service.children_allocated": (16, 16),
            "service.lac_children_allocated": (12, 12),
            "service.children_per_fte": (12.3, 8.9),
            "service.lac_children_per_fte": (9.2, 6.7),
        }
        assert {key: (figures[key].this_year, figures[key].last_year) for key in expected} == expected

    def test_vacancies_training_and_supervision_are_not_available_until_entered(self, hana, manager):
        services.save_other_activity(
            2025,
            by=manager,
            fields={
                "vacancies_fte": Decimal("1.50"),
                "training_sessions": 20,
                "training_hours": 64,
                "supervision_sessions_due": 24,
                "supervision_sessions_held": 18,
            },
            expected_version=0,
        )
        figures = services.draft(services.report_for_year(2025), TODAY).figures
        values = {
            key: (figures[key].this_year, figures[key].last_year)
            for key in (
                "service.vacancies_fte",
                "service.training_sessions",
                "service.training_hours",
                "service.percent_supervision_held",
            )
        }
        assert values == {
            "service.vacancies_fte": (1.5, None),
            "service.training_sessions": (20, None),
            "service.training_hours": (64, None),
            "service.percent_supervision_held": (75, None),
        }

    def test_staffing_figures_are_numbers_the_board_version_never_hides(self, manager):
        """One IRO on 0.5 FTE with 3 children: the 3 and its ratios are hidden, FTE and agency IROs stay."""
        iro = IroFactory(first_name="Solo", last_name="Chair", fte=Decimal("0.50"))
        children_for(iro, "SOLO", looked_after=3, protection_only=0)
        content = services.draft(services.report_for_year(2025), TODAY)
        suppressed = board_suppression(content)
        for key in ("service.lac_children_allocated", "service.lac_children_per_fte"):
            assert (key, annual_report.THIS_YEAR) in suppressed, key
        for key in ("service.fte", "service.agency_iros", "service.vacancies_fte"):
            assert content.figures[key].kind == annual_report.NUMBER
            assert (key, annual_report.THIS_YEAR) not in suppressed, key


class TestPages:
    def test_a_manager_records_a_change_and_sees_it_in_the_history(self, client, hana, manager):
        sign_in(client, manager)
        assert "Hana Hours" in client.get(reverse("staffing:list")).content.decode()
        url = reverse("staffing:change", args=[hana.pk])
        latest = staffing_selectors.latest_period(hana)
        today = timezone.localdate()
        response = client.post(
            url,
            {
                "starts_on_day": today.day,
                "starts_on_month": today.month,
                "starts_on_year": today.year,
                "fte": "0.6",
                "agency": "yes",
                "version": latest.version,
            },
            follow=True,
        )
        content = response.content.decode()
        assert "Change recorded" in content and "works 0.60 FTE, through an agency" in content
        assert content.count("Through an agency") == 1
        hana.refresh_from_db()
        assert hana.fte == Decimal("0.60")

    def test_errors_are_summarised_and_a_stale_page_gets_409(self, client, hana, manager):
        sign_in(client, manager)
        url = reverse("staffing:change", args=[hana.pk])
        future = timezone.localdate() + timedelta(days=3)
        data = {
            "starts_on_day": future.day,
            "starts_on_month": future.month,
            "starts_on_year": future.year,
            "fte": "0.6",
            "agency": "no",
            "version": staffing_selectors.latest_period(hana).version,
        }
        response = client.post(url, data)
        assert response.status_code == 400
        content = response.content.decode()
        assert "<title>Error:" in content and "govuk-error-summary" in content
        assert "must be today or in the past" in content
        response = client.post(
            url,
            {
                **data,
                "starts_on_day": timezone.localdate().day,
                "starts_on_month": timezone.localdate().month,
                "starts_on_year": timezone.localdate().year,
                "version": 0,
            },
        )
        assert response.status_code == 409
        assert StaffingPeriod.objects.filter(iro=hana).count() == 2

    def test_an_iro_cannot_record_staffing(self, client, hana):
        sign_in(client, hana)
        assert client.get(reverse("staffing:list")).status_code == 403
        assert client.get(reverse("staffing:change", args=[hana.pk])).status_code == 403

    def test_the_history_page_lists_every_period(self, client, hana, manager):
        sign_in(client, manager)
        content = client.get(reverse("staffing:iro", args=[hana.pk])).content.decode()
        assert "1 October 2025" in content and "30 September 2025" in content and "0.50" in content


class TestLeaving:
    def test_the_last_day_ends_the_open_period_and_the_day_after_counts_no_fte(self, hana, aga, manager):
        left = date(2026, 4, 30)
        record_leaving(hana, last_day=left, by=manager, expected_version=3)
        assert staffing_selectors.fte_on(hana, left) == Decimal("0.50")
        assert staffing_selectors.fte_on(hana, left + timedelta(days=1)) is None
        after = caseloads(left + timedelta(days=1))
        # Still holding her 12 children, she is listed with no FTE; only Aga's 0.80 is divided by.
        assert [(row.iro.first_name, row.fte, row.children) for row in after["rows"]] == [
            ("Aga", Decimal("0.80"), 4),
            ("Hana", None, 12),
        ]
        assert after["total_fte"] == Decimal("0.80")
        Allocation.objects.filter(iro=hana).update(end_date=left + timedelta(days=1))
        assert [row.iro.first_name for row in caseloads(left + timedelta(days=2))["rows"]] == ["Aga"]
        event = AuditEvent.objects.filter(object_type="staffing.staffingperiod").latest("pk")
        assert event.detail == {"iro": hana.username, "left": True, "last_day": "2026-04-30"}

    def test_a_last_day_before_the_period_or_with_no_period_open_is_refused_and_changes_nothing(self, hana, manager):
        with pytest.raises(Exception) as refused:
            record_leaving(hana, last_day=CHANGED - timedelta(days=1), by=manager, expected_version=3)
        assert "on or after 1 October 2025" in refused.value.message_dict["last_day"][0]
        record_leaving(hana, last_day=CHANGED, by=manager, expected_version=3)
        with pytest.raises(Exception) as refused:
            record_leaving(hana, last_day=TODAY, by=manager, expected_version=4)
        assert refused.value.message_dict == {"last_day": ["This IRO is not on the staff: there is no staffing to end"]}
        assert staffing_selectors.latest_period(hana).ends_on == CHANGED

    def test_coming_back_starts_a_new_period_after_the_gap(self, hana, manager):
        record_leaving(hana, last_day=date(2026, 1, 31), by=manager, expected_version=3)
        record_staffing_change(
            hana,
            starts_on=date(2026, 6, 1),
            fte=Decimal("0.50"),
            agency=True,
            by=manager,
            expected_version=4,
            today=TODAY,
        )
        assert staffing_selectors.fte_on(hana, date(2026, 3, 31)) is None
        assert staffing_selectors.fte_on(hana, date(2026, 6, 1)) == Decimal("0.50")

    def test_a_manager_records_it_on_a_page_warned_of_the_children_still_allocated(self, client, hana, manager):
        sign_in(client, manager)
        history = client.get(reverse("staffing:iro", args=[hana.pk])).content.decode()
        url = reverse("staffing:left", args=[hana.pk])
        assert url in history
        page = client.get(url).content.decode()
        assert "Hana Hours has 12 children allocated today" in page
        today = timezone.localdate()
        data = {"last_day_day": today.day, "last_day_month": today.month, "last_day_year": today.year, "version": 1}
        stale = client.post(url, data)
        assert stale.status_code == 409
        assert staffing_selectors.latest_period(hana).ends_on is None
        response = client.post(url, {**data, "version": 3}, follow=True)
        assert f"Hana Hours’s last day as an IRO is {today.day} " in response.content.decode()
        assert staffing_selectors.latest_period(hana).ends_on == today
        assert url not in client.get(reverse("staffing:iro", args=[hana.pk])).content.decode()
        missing = client.post(url, {"version": 4})
        assert missing.status_code == 400 and "Enter their last day as an IRO" in missing.content.decode()

    def test_an_iro_cannot_record_that_anyone_left(self, client, hana):
        sign_in(client, hana)
        assert client.get(reverse("staffing:left", args=[hana.pk])).status_code == 403


def test_an_iro_sees_their_caseload_per_fte_with_and_without_children_on_a_plan_only(client, hana):
    """12 children on 0.50 FTE is 24.0; the 8 looked after are 16.0."""
    sign_in(client, hana)
    content = client.get(reverse("children:caseload")).content.decode()
    assert ">24.0 (you work 0.50 FTE" in content
    assert ">16.0 (8 of your children are looked after)" in content


def test_the_account_keeps_todays_fte(hana):
    assert User.objects.get(pk=hana.pk).fte == Decimal("0.50")


def test_an_iro_added_in_admin_starts_their_history_and_their_fte_then_changes_only_from_a_date(client, administrator):
    sign_in(client, administrator)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newiro",
            "usable_password": "true",
            "password1": "Tr0mbone!xqz",
            "password2": "Tr0mbone!xqz",
            "role": "iro",
            "fte": "0.80",
            "team": "North",
        },
    )
    assert response.status_code == 302
    new = User.objects.get(username="newiro")
    today = timezone.localdate()
    assert list(new.staffing_periods.values_list("starts_on", "ends_on", "fte", "agency")) == [
        (today, None, Decimal("0.80"), False)
    ]
    change_page = client.get(reverse("admin:accounts_user_change", args=[new.pk])).content.decode()
    assert 'name="fte"' not in change_page


def test_the_report_page_says_not_available_for_staffing_figures_nobody_entered(client, hana, aga, manager):
    sign_in(client, manager)
    content = client.get(reverse("reporting:annual_report", args=[2025])).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))
    assert "Vacant IRO posts at the end of the year (FTE) not available not available" in text
    assert "Supervision sessions held (% of those due) not available not available" in text
    assert "Children looked after per full-time IRO 9.2 6.7" in text
