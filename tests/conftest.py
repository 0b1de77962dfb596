import copy
import os
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from whitenoise.middleware import WhiteNoiseMiddleware

from children import services as children_services
from iro_portal.db_routers import REPLICA
from reporting import maintained
from ssda903 import dfe_check
from tests.factories import (
    TEST_PASSWORD,
    AdministratorFactory,
    AllocationFactory,
    BoardMemberFactory,
    BusinessSupportFactory,
    CareEpisodeFactory,
    ChildFactory,
    ChildProtectionPlanFactory,
    EscalationFactory,
    HeldReviewFactory,
    IroFactory,
    ManagerFactory,
    OversightRecordFactory,
    ReviewFactory,
)

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="this database rule is enforced on PostgreSQL only")

if ON_POSTGRESQL:
    from django.db.backends.postgresql.operations import DatabaseOperations

    _execute_sql_flush = DatabaseOperations.execute_sql_flush

    def _execute_sql_flush_past_the_audit_trigger(self, sql_list):
        """Transactional tests empty the database with TRUNCATE between tests, which the audit
        log's trigger refuses (audit/migrations/0003): the suite's superuser turns triggers off
        for that one transaction."""
        _execute_sql_flush(
            self,
            ["SET LOCAL session_replication_role = replica", *sql_list, "SET LOCAL session_replication_role = DEFAULT"],
        )

    DatabaseOperations.execute_sql_flush = _execute_sql_flush_past_the_audit_trigger


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A second alias, "replica", that is the test database itself (Django's TEST MIRROR), as
    settings.py makes REPLICA_DATABASE_URL's: a test marked django_db(databases=["default",
    "replica"]) with the router on (tests/test_read_replica.py) sees which alias each query used."""
    if REPLICA not in settings.DATABASES:
        replica = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
        replica["TEST"] = {**replica["TEST"], "MIRROR": DEFAULT_DB_ALIAS, "NAME": None}
        settings.DATABASES[REPLICA] = replica


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Real hashing costs a second per sign-in; tests only need passwords to match. For the whole
    session, so that the users a module-scoped fixture builds (a seeded authority) hash fast too."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# What WhiteNoise's headers for a static file depend on, besides the folder.
STATIC_FILE_SETTINGS = ("DEBUG", "FORCE_SCRIPT_NAME", "STATIC_URL", "STORAGES")


@pytest.fixture(scope="session", autouse=True)
def static_files_listed_once():
    """WhiteNoise lists every collected static file (3,000 of them) and works out its headers each
    time a test client handles its first request: a tenth of a second a test. Nothing changes
    STATIC_ROOT during a run, so each folder is listed once for each set of WhiteNoise settings."""
    listed = {}
    list_folder = WhiteNoiseMiddleware.update_files_dictionary

    def update_files_dictionary(middleware, root, prefix):
        names = [*STATIC_FILE_SETTINGS, *(name for name in dir(settings) if name.startswith("WHITENOISE_"))]
        key = (root, prefix, repr([(name, getattr(settings, name, None)) for name in names]))
        if key not in listed:
            files, middleware.files = middleware.files, {}
            try:
                list_folder(middleware, root, prefix)
                listed[key] = middleware.files
            finally:
                middleware.files = files
        middleware.files.update(listed[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WhiteNoiseMiddleware, "update_files_dictionary", update_files_dictionary)
        yield


@pytest.fixture(autouse=True)
def no_api_requests_counted_yet():
    """The API's throttle counts requests in the cache, by user and token id; each test starts
    from none (ids come round again on SQLite)."""
    cache.clear()


@pytest.fixture(autouse=True)
def no_figures_kept_in_this_process_yet():
    """Each test starts as a new process does, keeping no compiled tallies nor worked-out
    figures (reporting.maintained): a test's figures may have the id and counts of an earlier
    test's (ids come round again on SQLite)."""
    maintained._worked_out.clear()
    maintained._compiled.clear()


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
def business_support(db):
    return BusinessSupportFactory(first_name="Bina", last_name="Support")


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


# ---------------------------------------------------------------------------------------------
# Builders for a hand-made authority: short calls, so that a test's cast of children reads as a
# list of who is who. Fields not given take the factories' defaults.
# ---------------------------------------------------------------------------------------------


def in_care(child, start, end=None, **fields):
    """`child` looked after from `start`, and until `end` when given."""
    return CareEpisodeFactory(child=child, start_date=start, end_date=end, **fields)


def brought_into_care(child, *, by, start, iro):
    """`child` brought into care on `start` through the children service, which schedules the
    first review as it does in use, and allocated to `iro` from that day."""
    children_services.record_care_episode(
        child,
        by=by,
        start_date=start,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=start)
    return child


def held_review(child, kind, *, due, held, **fields):
    return HeldReviewFactory(child=child, kind=kind, due_date=due, held_on=held, **fields)


def review_due(child, kind, *, due, **fields):
    """The child's outstanding review of this kind (`booked=True` books it)."""
    return ReviewFactory(child=child, kind=kind, due_date=due, **fields)


def oversight_record(child, iro, kind, day, rag="", **fields):
    return OversightRecordFactory(child=child, iro=iro, kind=kind, date=day, rag=rag, **fields)


def protection_plan(child, start, end=None, **fields):
    return ChildProtectionPlanFactory(child=child, start_date=start, end_date=end, **fields)


def escalation_raised(child, iro, raised_on, areas=(), steps=None, **fields):
    """`steps` as EscalationFactory takes them: by default the informal step, sent that day."""
    return EscalationFactory(child=child, raised_by=iro, raised_on=raised_on, areas=areas, steps=steps, **fields)


@contextmanager
def kept_for_the_module(django_db_blocker):
    """For a module-scoped fixture that builds costly data (a seeded authority) once: the data
    stays for every later test of the module and is rolled back when the module ends. Each test
    still runs in its own savepoint (pytest-django's `db`), so what a test changes is undone."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def sign_in(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


@pytest.fixture
def eager(settings):
    """Run the PDF task in the test process (when the request's transaction commits). Set on the
    Celery app as well: a value a worker test left on app.conf outranks Django's settings."""
    from iro_portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.pop("task_always_eager", None)
    app.conf.pop("task_eager_propagates", None)


@pytest.fixture
def clock(monkeypatch):
    """Set the day the services take as today: whether a series of short breaks is still
    running depends on it."""

    def set_today(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_today


def sign_in_with_code(client, user):
    """Sign in as a person would who has an authenticator app: password, then the app's code.
    The session is verified (django-otp)."""
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post(reverse("sign_in_code"), {"code": code}).status_code == 302
    return client


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After pytest's own summary (the -ra lines), just above the closing counts."""
    from tests.skipped import summary

    yield
    lines = summary(terminalreporter.stats.get("skipped", []), on_postgresql=ON_POSTGRESQL)
    if lines:
        terminalreporter.section("what was skipped, by reason")
        for line in lines:
            terminalreporter.write_line(line)


# ---------------------------------------------------------------------------------------------
# Longest test files first. `--dist loadfile` hands each process the next whole file as it runs
# out, in collection order, so a long file near the end (the seed_demo tests) kept one process
# busy after the other had finished. Each run stores how long each file took (.pytest_cache); the
# next run starts with the files it has no time for (new ones), then the longest.
# ---------------------------------------------------------------------------------------------

SECONDS_PER_FILE = "iro_portal/seconds-per-test-file"
seconds_at_start = pytest.StashKey[dict[str, float]]()
seconds_this_run: dict[str, float] = {}


def _test_file(nodeid):
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Every test process sorts by the same stored times, read once, so they all collect the same
    order even if another run stores its times meanwhile."""
    config = node.config
    if seconds_at_start not in config.stash:
        cache_ = getattr(config, "cache", None)
        config.stash[seconds_at_start] = cache_.get(SECONDS_PER_FILE, {}) if cache_ is not None else {}
    node.workerinput["seconds_per_file"] = config.stash[seconds_at_start]


def pytest_collection_modifyitems(config, items):
    seconds = getattr(config, "workerinput", {}).get("seconds_per_file")
    if seconds:
        items.sort(key=lambda item: -seconds.get(_test_file(item.nodeid), float("inf")))


def pytest_runtest_logreport(report):
    seconds_this_run[_test_file(report.nodeid)] = seconds_this_run.get(_test_file(report.nodeid), 0) + report.duration


def pytest_sessionfinish(session):
    """In the process that hands out the files (or the only one), after the run."""
    cache_ = getattr(session.config, "cache", None)
    if cache_ is not None and not hasattr(session.config, "workerinput") and seconds_this_run:
        cache_.set(SECONDS_PER_FILE, {**cache_.get(SECONDS_PER_FILE, {}), **seconds_this_run})


@pytest.fixture
def dfe_validator():
    """Skips the test, saying why, when the DfE validator is not installed (fails it in CI)."""
    if dfe_check.available():
        return
    reason = (
        f"The DfE validator is not installed ({dfe_check.validator_python()} is missing): "
        "run scripts/setup-dfe-validator to run these tests."
    )
    if os.environ.get("REQUIRE_DFE_VALIDATOR") == "1":
        pytest.fail(f"{reason} (REQUIRE_DFE_VALIDATOR=1, so this is an error)", pytrace=False)
    pytest.skip(reason)
