import pytest
from django.conf import settings

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="this database rule is enforced on PostgreSQL only")

from tests.factories import (
    TEST_PASSWORD,
    AdministratorFactory,
    AllocationFactory,
    BoardMemberFactory,
    CareEpisodeFactory,
    ChildFactory,
    IroFactory,
    ManagerFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs a second per sign-in; tests only need passwords to match."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def iro(db):
    return IroFactory(first_name="Iris", last_name="Reviewer")


@pytest.fixture
def other_iro(db):
    return IroFactory(first_name="Owen", last_name="Other")


@pytest.fixture
def manager(db):
    return ManagerFactory(first_name="Mina", last_name="Manager")


@pytest.fixture
def board_member(db):
    return BoardMemberFactory(first_name="Bea", last_name="Board")


@pytest.fixture
def administrator(db):
    return AdministratorFactory(first_name="Ada", last_name="Admin")


@pytest.fixture
def looked_after_child(db, iro):
    """A child in care since January 2024, allocated to `iro`."""
    child = ChildFactory(given_name="Robin", family_name="Looked-After")
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=iro)
    return child


@pytest.fixture
def other_child(db, other_iro):
    child = ChildFactory(given_name="Casey", family_name="Elsewhere")
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=other_iro)
    return child


def sign_in(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client
