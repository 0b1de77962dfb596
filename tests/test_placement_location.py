"""Where a child is placed: the home and placement postcodes and the provider's URN on each care
episode, checked when they are entered (pages, API, import), the placement's local authority,
inside or outside the authority and miles from home worked out from them as the DfE does, shown
to those who may see the child and never put in an email."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from children import services
from children.models import CareEpisode
from children.placement_location import NOWHERE, Location, locate, normalise_postcode, normalise_urn
from consultations.emails import link_email
from consultations.models import ConsultationInvitation, PersonType, Purpose
from notifications.services import send_pending_emails
from reviews.models import Review
from ssda903.exporter import export_return
from ssda903.importer import import_return
from tests.api_helpers import api_client
from tests.conftest import sign_in
from tests.factories import CareEpisodeFactory, ChildFactory, ManagerFactory, complete_outcome_records
from tests.test_data_entry import episode_answers
from tests.test_reminder_texts import build_one_of_each_kind

HOME = "NG1 5DT"  # Nottingham, the demo authority (settings.AUTHORITY_CODE E06000018)
INSIDE = "NG7 2UH"  # Nottingham too, 1.3 miles away
WALES = "CF10 1EP"  # Cardiff
NOT_A_POSTCODE_IN_USE = "ZZ9 9ZZ"
TODAY = timezone.localdate


# ---------------------------------------------------------------------------------------------
# Working it out


def test_a_placement_inside_the_authority_is_in_with_its_distance_from_home():
    assert locate(HOME, INSIDE) == Location("E06000018", "IN", Decimal("1.3"))


def test_a_placement_in_wales_is_wal_and_out():
    location = locate(HOME, WALES)
    assert (location.placement_la, location.placement_location) == ("WAL", "OUT")
    assert location.placement_distance == Decimal("133.4")


def test_another_english_authority_is_named_by_its_upper_tier_code_and_is_out():
    assert locate(HOME, "DE1 1AA") == Location("E06000015", "OUT", Decimal("13.0"))


def test_an_unknown_placement_postcode_gives_nothing_and_an_unknown_home_no_distance():
    assert locate(HOME, NOT_A_POSTCODE_IN_USE) == NOWHERE
    assert locate(NOT_A_POSTCODE_IN_USE, INSIDE) == Location("E06000018", "IN", None)


def test_postcodes_and_urns_are_written_the_usual_way_and_malformed_ones_refused():
    assert normalise_postcode(" ng15dt ") == "NG1 5DT"
    assert normalise_postcode("") == ""
    assert normalise_urn(" sc123456 ") == "SC123456"
    for postcode in ("NG1", "12345", "NG1 5DT X"):
        with pytest.raises(ValueError):
            normalise_postcode(postcode)
    for urn in ("SC12345", "12345", "AB123456"):
        with pytest.raises(ValueError):
            normalise_urn(urn)


# ---------------------------------------------------------------------------------------------
# Entering them: one check behind the service, the pages and the API


def record(child, manager, **fields):
    return services.record_care_episode(
        child,
        by=manager,
        start_date=datetime.date(2024, 1, 10),
        reason_for_new_episode="S",
        legal_status=fields.pop("legal_status", "C2"),
        category_of_need="N1",
        placement_type=fields.pop("placement_type", "U6"),
        placement_provider=fields.pop("placement_provider", "PR1"),
        **fields,
    )


@pytest.mark.django_db
class TestTheService:
    def test_saving_an_episode_works_out_where_the_placement_is(self, manager):
        episode = record(ChildFactory(), manager, home_postcode="ng15dt", placement_postcode=WALES, provider_urn="")
        episode.refresh_from_db()
        assert (episode.home_postcode, episode.placement_postcode) == (HOME, WALES)
        assert (episode.placement_la, episode.placement_location, episode.placement_distance) == (
            "WAL",
            "OUT",
            Decimal("133.4"),
        )

    def test_changing_the_placement_postcode_works_it_out_again(self, manager):
        episode = record(ChildFactory(), manager, home_postcode=HOME, placement_postcode=WALES)
        episode = services.update_care_episode(
            episode, by=manager, expected_version=episode.version, placement_postcode=INSIDE
        )
        episode.refresh_from_db()
        assert (episode.placement_la, episode.placement_location) == ("E06000018", "IN")

    @pytest.mark.parametrize(
        "fields, field, says",
        [
            ({"home_postcode": "NG1"}, "home_postcode", "not written as a UK postcode"),
            ({"placement_postcode": NOT_A_POSTCODE_IN_USE}, "placement_postcode", "not in the ONS postcode directory"),
            ({"provider_urn": "SC12"}, "provider_urn", "is not an Ofsted URN"),
            (
                {"placement_type": "P1", "placement_provider": "PR0", "provider_urn": "SC123456"},
                "provider_urn",
                "blank",
            ),
            ({"provider_urn": "XXXXXXX", "placement_type": "K2"}, "provider_urn", "regional adoption agency"),
            ({"home_postcode": HOME, "placement_postcode": HOME}, "placement_postcode", "same as the home"),
            ({"legal_status": "V3", "placement_postcode": INSIDE}, "placement_postcode", "short breaks"),
        ],
    )
    def test_what_the_dfe_would_refuse_is_refused_with_a_message_and_nothing_is_saved(
        self, manager, fields, field, says
    ):
        with pytest.raises(ValidationError) as refused:
            record(ChildFactory(), manager, **fields)
        assert says in " ".join(refused.value.message_dict[field])
        assert not CareEpisode.objects.exists()

    def test_placed_with_parents_at_home_is_fine(self, manager):
        episode = record(
            ChildFactory(),
            manager,
            placement_type="P1",
            placement_provider="PR0",
            home_postcode=HOME,
            placement_postcode=HOME,
        )
        assert episode.placement_distance == Decimal("0.0")

    def test_no_distance_from_home_for_an_unaccompanied_asylum_seeking_child(self, manager):
        child = ChildFactory(is_uasc=True)
        with pytest.raises(ValidationError) as refused:
            record(child, manager, home_postcode=HOME, placement_postcode=INSIDE)
        assert "unaccompanied" in refused.value.message_dict["home_postcode"][0]
        assert record(child, manager, placement_postcode=INSIDE).placement_distance is None


@pytest.mark.django_db
class TestThePages:
    def test_the_episode_form_takes_the_postcodes_and_the_confirmation_says_where_the_placement_is(
        self, client, manager
    ):
        child = ChildFactory()
        sign_in(client, manager)
        start = TODAY() - datetime.timedelta(days=3)
        answers = episode_answers(start, home_postcode="ng1 5dt", placement_postcode=INSIDE, provider_urn="sc123456")
        response = client.post(reverse("children:add_episode", args=[child.pk]), answers)
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "NG1 5DT" in page and INSIDE in page and "SC123456" in page
        assert "Nottingham (E06000018)" in page and "Inside (IN)" in page and "1.3 miles" in page

    def test_an_unknown_postcode_is_an_error_on_the_form_and_nothing_is_saved(self, client, manager):
        child = ChildFactory()
        sign_in(client, manager)
        answers = episode_answers(TODAY(), placement_postcode=NOT_A_POSTCODE_IN_USE)
        response = client.post(reverse("children:add_episode", args=[child.pk]), answers)
        page = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error:" in page and "ZZ9 9ZZ is not in the ONS postcode directory" in page
        assert not CareEpisode.objects.exists()

    def test_the_childs_page_shows_where_each_placement_is_to_those_who_may_see_the_child(
        self, client, iro, looked_after_child
    ):
        sign_in(client, iro)
        page = client.get(reverse("children:detail", args=[looked_after_child.pk])).content.decode()
        assert "Placement NG7 2UH, home NG1 5DT, URN SC123456." in page
        assert "Nottingham (E06000018), inside the authority (IN), 1.3 miles from home." in page

    def test_the_childs_page_is_refused_to_an_iro_who_may_not_see_the_child(
        self, client, other_iro, looked_after_child
    ):
        sign_in(client, other_iro)
        response = client.get(reverse("children:detail", args=[looked_after_child.pk]))
        assert response.status_code in (403, 404)
        assert INSIDE not in response.content.decode()


@pytest.mark.django_db
class TestTheApi:
    def test_the_entered_fields_are_written_and_the_worked_out_ones_read(self, manager):
        child = ChildFactory()
        response = api_client(manager).post(
            "/api/v1/care-episodes/",
            {
                "child": child.pk,
                "start_date": "2024-01-10",
                "reason_for_new_episode": "S",
                "legal_status": "C2",
                "category_of_need": "N1",
                "placement_type": "U6",
                "placement_provider": "PR1",
                "home_postcode": "ng15dt",
                "placement_postcode": WALES,
                "provider_urn": "",
                "placement_la": "E06000018",  # read-only: ignored
                "placement_location": "IN",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["home_postcode"], body["placement_postcode"]) == (HOME, WALES)
        assert (body["placement_la"], body["placement_location"], body["placement_distance"]) == (
            "WAL",
            "OUT",
            "133.4",
        )

    def test_an_unknown_postcode_is_a_field_error_and_nothing_is_saved(self, manager):
        episode = CareEpisodeFactory()
        response = api_client(manager).patch(
            f"/api/v1/care-episodes/{episode.pk}/",
            {"placement_postcode": NOT_A_POSTCODE_IN_USE, "version": episode.version},
            format="json",
        )
        assert response.status_code == 400
        assert "not in the ONS postcode directory" in str(response.json()["errors"]["placement_postcode"])
        episode.refresh_from_db()
        assert episode.placement_postcode == INSIDE


# ---------------------------------------------------------------------------------------------
# Never in an email


@pytest.mark.django_db
def test_no_email_carries_a_postcode_or_urn(iro, manager):
    build_one_of_each_kind(iro, manager)
    CareEpisode.objects.update(
        home_postcode=HOME, placement_postcode=INSIDE, provider_urn="SC123456", placement_la="E06000018"
    )
    send_pending_emails()
    review = Review.objects.filter(child__episodes__isnull=False).first()
    texts = [message.subject + message.body for message in mail.outbox]
    assert texts
    for purpose in Purpose.values:
        for person in PersonType.values:
            invitation = ConsultationInvitation(
                review=review,
                purpose=purpose,
                person_type=person,
                expires_at=timezone.now() + datetime.timedelta(days=14),
            )
            texts.append("".join(link_email(invitation, "CODE")))
    for text in texts:
        for detail in (HOME, INSIDE, "SC123456", "E06000018", "Nottingham", "miles"):
            assert detail not in text, text


# ---------------------------------------------------------------------------------------------
# Import and export


EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nPC001,M,01/05/2012,WBRI,UN5,,\n"


@pytest.mark.django_db
def test_an_imported_return_stores_the_postcodes_works_out_the_placement_and_exports_the_same_bytes():
    manager = ManagerFactory()
    files = {
        "header.csv": HEADER.encode(),
        "episodes.csv": (EPISODES + f"PC001,01/06/2024,S,C2,N1,U6,PR4,,,,ng15dt,{WALES},\n").encode(),
    }
    assert import_return(files, by=manager).errors == []
    episode = CareEpisode.objects.get()
    assert (episode.home_postcode, episode.placement_postcode, episode.provider_urn) == (HOME, WALES, "")
    assert (episode.placement_la, episode.placement_location, episode.placement_distance) == (
        "WAL",
        "OUT",
        Decimal("133.4"),
    )
    complete_outcome_records(2025)
    first = export_return(2025)
    assert first.problems == [], first.problems
    assert f"PC001,01/06/2024,S,C2,N1,U6,PR4,,,,{HOME},{WALES}," in first.files["episodes.csv"]
    again = import_return({name: text.encode() for name, text in first.files.items()}, by=manager)
    assert again.errors == [] and export_return(2025).files == first.files


@pytest.mark.django_db
def test_an_import_with_a_wrong_postcode_or_urn_lists_each_and_writes_nothing():
    manager = ManagerFactory()
    files = {
        "header.csv": HEADER.encode(),
        "episodes.csv": (EPISODES + f"PC001,01/06/2024,S,C2,N1,U6,PR1,,,,{NOT_A_POSTCODE_IN_USE},NG1,SC12\n").encode(),
    }
    result = import_return(files, by=manager)
    assert [(e.file, e.row, e.child, e.column, e.value) for e in result.errors] == [
        ("episodes.csv", 2, "PC001", "HOME_POST", NOT_A_POSTCODE_IN_USE),
        ("episodes.csv", 2, "PC001", "PL_POST", "NG1"),
        ("episodes.csv", 2, "PC001", "URN", "SC12"),
    ]
    assert all("(rule 392c)" in e.message for e in result.errors[:2]) and "(rule 1008)" in result.errors[2].message
    assert not CareEpisode.objects.exists()
