"""Lists at any depth (iro_portal.keyset): a deep page shows the right rows and links, costs the
queries the first page does and never asks the database to skip rows; a cursor that is garbled,
made for another order or past the end gives the first page; empty values page where they sort."""

import datetime
import json
import re
from urllib.parse import parse_qs

import pytest
from django.core import signing
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.models import Child
from iro_portal.keyset import keyset_page
from tests.conftest import sign_in
from tests.factories import AllocationFactory, ChildFactory
from tests.paging import every_page, follow, label, link

LIST = reverse("children:list")


@pytest.fixture
def children_in_name_order(db, iro):
    """130 children, allocated to `iro`, named so that their order is plain: Family000 first."""
    children = [ChildFactory(given_name="Kid", family_name=f"Family{number:03d}") for number in range(130)]
    for child in children:
        AllocationFactory(child=child, iro=iro)
    return children


def family_names(content):
    return re.findall(r">Kid (Family\d{3})</a>", content)


@pytest.mark.django_db
class TestDeepPages:
    def test_page_13_shows_its_rows_and_links_and_costs_what_page_1_does(
        self, client, settings, manager, children_in_name_order
    ):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        pages = every_page(client, LIST)
        assert len(pages) == 13
        assert [family_names(content) for content in pages] == [
            [f"Family{number:03d}" for number in range(first, first + 10)] for first in range(0, 130, 10)
        ]
        last = pages[-1]
        assert "Showing 121 to 130 of 130" in last and link(last, "next") is None
        assert label(last, "prev") == "111 to 120 of 130" and label(pages[0], "next") == "11 to 20 of 130"
        assert "Back to the first page" in last and "Back to the first page" not in pages[0]

        deep = LIST + link(pages[-2], "next")
        with CaptureQueriesContext(connection) as first:
            client.get(LIST)
        with CaptureQueriesContext(connection) as thirteenth:
            client.get(deep)
        assert len(thirteenth) == len(first)
        assert not any("OFFSET" in query["sql"].upper() for query in thirteenth.captured_queries), (
            "the database seeks to the page: it is never asked to skip the rows before it"
        )

    def test_previous_goes_back_through_the_same_pages(self, client, settings, manager, children_in_name_order):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        forward = every_page(client, LIST)
        backward = every_page(client, LIST + link(forward[-1], "prev"), rel="prev")
        assert [family_names(content) for content in backward] == [family_names(content) for content in forward[-2::-1]]
        assert "Showing 1 to 10 of 130" in backward[-1] and link(backward[-1], "prev") is None

    def test_the_filters_stay_in_the_links_and_a_new_filter_starts_again(
        self, client, settings, manager, iro, children_in_name_order
    ):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        first = client.get(LIST, {"search": "Kid", "iro": iro.pk}).content.decode()
        assert link(first, "next").startswith(f"?search=Kid&iro={iro.pk}&cursor=")
        second = follow(client, LIST, first)
        assert family_names(second)[0] == "Family010" and "Showing 11 to 20 of 130" in second

    def test_a_page_after_rows_were_added_before_it_still_follows_on(
        self, client, settings, manager, iro, children_in_name_order
    ):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        first = client.get(LIST).content.decode()
        AllocationFactory(child=ChildFactory(given_name="Kid", family_name="Family000a"), iro=iro)
        assert family_names(follow(client, LIST, first))[0] == "Family010", (
            "the next page starts after the last row shown, not 10 rows in: nobody is shown twice or missed"
        )


@pytest.mark.django_db
class TestCursorsThatCannotBeUsed:
    @pytest.mark.parametrize("cursor", ["garbled", "eyJuIjoyfQ:1abc:xyz", "", "%00"])
    def test_a_garbled_cursor_gives_the_first_page(self, client, settings, manager, children_in_name_order, cursor):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        response = client.get(LIST, {"cursor": cursor})
        assert response.status_code == 200
        content = response.content.decode()
        assert family_names(content)[0] == "Family000" and "Showing 1 to 10 of 130" in content

    def test_a_cursor_made_for_another_sort_gives_the_first_page(self, client, settings, iro, children_in_name_order):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, iro)
        caseload = reverse("children:caseload")
        by_name = client.get(caseload, {"sort": "name"}).content.decode()
        elsewhere = client.get(caseload, {"sort": "-name", "cursor": link(by_name, "next").split("cursor=")[1]})
        assert elsewhere.status_code == 200
        assert family_names(elsewhere.content.decode())[0] == "Family129", "the first page of the reversed sort"

    def test_a_cursor_past_the_end_gives_the_first_page(self, client, settings, manager, children_in_name_order):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        pages = every_page(client, LIST)
        to_the_last = LIST + link(pages[-2], "next")
        Child.objects.filter(family_name__gte="Family120").delete()
        content = client.get(to_the_last).content.decode()
        assert family_names(content)[0] == "Family000" and "Showing 1 to 10 of 120" in content

    def test_a_cursor_whose_row_has_gone_gives_the_first_page(self, client, settings, manager, children_in_name_order):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        first = client.get(LIST).content.decode()
        Child.objects.filter(family_name="Family009").delete()
        content = follow(client, LIST, first)
        assert family_names(content)[0] == "Family000" and "Showing 1 to 10 of 129" in content

    def test_the_address_names_no_child(self, client, settings, manager, children_in_name_order):
        settings.CHILDREN_LIST_PAGE_SIZE = 10
        sign_in(client, manager)
        cursor = parse_qs(link(client.get(LIST).content.decode(), "next")[1:])["cursor"][0]
        readable = json.dumps(signing.loads(cursor, salt="iro_portal.keyset"))
        assert "Family" not in readable and "Kid" not in readable and "T0" not in readable, readable


@pytest.mark.django_db
class TestOrderings:
    """keyset_page on its own, over every way a column with empty values can be ordered."""

    @pytest.mark.parametrize(
        "ordering, empty_first",
        [
            (["uasc_ceased_on"], False),
            (["-uasc_ceased_on"], True),
            ([F("uasc_ceased_on").asc(nulls_first=True)], True),
            ([F("uasc_ceased_on").desc(nulls_last=True)], False),
            (["-uasc_ceased_on", "family_name"], True),
        ],
        ids=["up", "down", "up, empty first", "down, empty last", "down, then by name"],
    )
    def test_pages_forward_and_back_hold_every_row_once_in_order(self, ordering, empty_first):
        for number in range(11):
            ChildFactory(
                family_name=f"F{number % 3}",
                uasc_ceased_on=None if number % 3 == 0 else datetime.date(2025, 1, 1 + number % 4),
            )
        children = Child.objects.order_by(*ordering)
        whole = keyset_page(children, None, per_page=100)
        forward = [keyset_page(children, None, per_page=3)]
        while forward[-1].next_cursor:
            forward.append(keyset_page(children, forward[-1].next_cursor, per_page=3))
        backward = [forward[-1]]
        while backward[-1].previous_cursor:
            backward.append(keyset_page(children, backward[-1].previous_cursor, per_page=3))
        assert [child.pk for page in forward for child in page] == [child.pk for child in whole]
        assert [[child.pk for child in page] for page in backward] == [
            [child.pk for child in page] for page in forward[::-1]
        ]
        assert [page.number for page in forward] == [1, 2, 3, 4]
        empty = [child.uasc_ceased_on is None for child in whole]
        assert empty == sorted(empty, reverse=empty_first), "empty values at one end, where PostgreSQL puts them"
