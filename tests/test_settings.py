"""Settings come from the environment, with defaults that need nothing installed."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(env, expression):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "SECRET_KEY",
            "DEBUG",
            "SECRET_KEY_FILE",
            "MIGRATION_DATABASE_URL",
            "REPLICA_DATABASE_URL",
            "PRODUCTION",
            "SITE_URL",
            "PORT",
        }
    }
    clean.update(env)
    code = f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='iro_portal.settings'; from django.conf import settings; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_defaults_are_sqlite_and_a_serverless_broker(tmp_path):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)},
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, settings.DEBUG, settings.EMAIL_BACKEND",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "django.db.backends.sqlite3 filesystem:// False django.core.mail.backends.filebased.EmailBackend"
    )


def test_database_and_broker_urls_are_read_from_the_environment(tmp_path):
    result = settings_in_subprocess(
        {
            "SECRET_KEY": "x" * 50,
            "IRO_PORTAL_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://someone@db.example:5432/portal",
            "CELERY_BROKER_URL": "redis://cache:6379/1",
        },
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST'], settings.CELERY_BROKER_URL",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql db.example redis://cache:6379/1"


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = settings_in_subprocess({"IRO_PORTAL_VAR_DIR": str(tmp_path)}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_on_runs_without_a_secret_key(tmp_path):
    result = settings_in_subprocess({"IRO_PORTAL_VAR_DIR": str(tmp_path), "DEBUG": "1"}, "settings.DEBUG")
    assert result.stdout.strip() == "True"


def test_celery_app_takes_the_broker_from_settings(tmp_path):
    clean_env = {
        "SECRET_KEY": "x" * 50,
        "IRO_PORTAL_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3",
    }
    code = "import django; django.setup(); from iro_portal.celery import app; print(app.conf.broker_url)"
    env = {**os.environ, **clean_env, "DJANGO_SETTINGS_MODULE": "iro_portal.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "redis://127.0.0.1:6379/3", result.stderr


# --- Strict parsing: a typo stops start-up instead of quietly turning something off ---------------


def test_an_unknown_flag_value_stops_start_up_naming_the_variable(tmp_path):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "PRODUCTION": "ture"},
        "settings.PRODUCTION",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PRODUCTION='ture'" in result.stderr and "1/0, true/false, yes/no or on/off" in result.stderr


def test_flags_take_the_usual_spellings_in_any_case(tmp_path):
    result = settings_in_subprocess(
        {
            "SECRET_KEY": "x" * 50,
            "IRO_PORTAL_VAR_DIR": str(tmp_path),
            "SECURE_COOKIES": "Yes",
            "AXES_ENABLED": "OFF",
            "EMAIL_USE_TLS": " true ",
            "UNPLANNED_MOVE_TRIGGERS_REVIEW": "0",
        },
        "settings.SESSION_COOKIE_SECURE, settings.AXES_ENABLED, settings.EMAIL_USE_TLS, settings.UNPLANNED_MOVE_TRIGGERS_REVIEW",
    )
    assert result.stdout.strip() == "True False True False", result.stderr


def test_a_bad_whole_number_stops_start_up_naming_the_variable(tmp_path):
    for name, value in (("AXES_FAILURE_LIMIT", "five"), ("EMAIL_PORT", "25.0"), ("REMINDER_SWEEP_HOUR", "6am")):
        result = settings_in_subprocess(
            {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), name: value},
            "settings.DEBUG",
        )
        assert result.returncode != 0, name
        assert f"{name} must be a whole number, not {value!r}" in result.stderr


def test_each_reminder_day_must_be_a_whole_number(tmp_path):
    env = {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)}
    result = settings_in_subprocess(
        {**env, "REVIEW_REMINDER_WORKING_DAYS": "10, 5,1"}, "settings.REVIEW_REMINDER_WORKING_DAYS"
    )
    assert result.stdout.strip() == "[10, 5, 1]", result.stderr
    result = settings_in_subprocess(
        {**env, "REVIEW_REMINDER_WORKING_DAYS": "10,five"}, "settings.REVIEW_REMINDER_WORKING_DAYS"
    )
    assert result.returncode != 0
    assert "REVIEW_REMINDER_WORKING_DAYS must be a whole number, not 'five'" in result.stderr


def test_a_bad_api_request_rate_stops_start_up_instead_of_failing_every_api_request(tmp_path):
    env = {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)}
    for name, value in (
        ("API_THROTTLE_RATE_TOKEN", "lots"),
        ("API_THROTTLE_RATE_USER", "1000 an hour"),
        ("API_THROTTLE_RATE_USER", "1000/fortnight"),
    ):
        result = settings_in_subprocess({**env, name: value}, "settings.API_THROTTLE_RATES")
        assert result.returncode != 0, name
        assert f"{name}={value!r} is not a request rate" in result.stderr
    result = settings_in_subprocess(
        {**env, "API_THROTTLE_RATE_TOKEN": " 20/Minute ", "API_THROTTLE_RATE_USER": "300/day"},
        "[__import__('rest_framework.throttling').throttling.SimpleRateThrottle.parse_rate(None, rate) "
        "for rate in settings.API_THROTTLE_RATES.values()]",
    )
    assert result.stdout.strip() == "[(20, 60), (300, 86400)]", result.stderr


# --- SITE_URL, the address reminder emails link to ---------------------------------------------------


def test_production_refuses_to_start_without_the_sites_https_address(tmp_path):
    env = {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "PRODUCTION": "1"}
    missing = settings_in_subprocess(env, "settings.SITE_URL")
    assert missing.returncode != 0
    assert "SITE_URL must be set when PRODUCTION is on" in missing.stderr
    plain = settings_in_subprocess({**env, "SITE_URL": "http://iro.example.gov.uk"}, "settings.SITE_URL")
    assert plain.returncode != 0
    assert "SITE_URL must be the site's https:// address" in plain.stderr
    given = settings_in_subprocess({**env, "SITE_URL": "https://iro.example.gov.uk"}, "settings.SITE_URL")
    assert given.stdout.strip() == "https://iro.example.gov.uk", given.stderr


def test_outside_production_site_url_defaults_to_the_development_server(tmp_path):
    result = settings_in_subprocess({"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)}, "settings.SITE_URL")
    assert result.stdout.strip() == "http://127.0.0.1:8000", result.stderr


def test_reminders_link_to_the_port_the_app_runs_on_unless_site_url_is_given(tmp_path):
    env = {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "PORT": "8101"}
    result = settings_in_subprocess(env, "settings.SITE_URL")
    assert result.stdout.strip() == "http://127.0.0.1:8101", result.stderr
    given = settings_in_subprocess({**env, "SITE_URL": "http://portal.test:9000"}, "settings.SITE_URL")
    assert given.stdout.strip() == "http://portal.test:9000", given.stderr
    typo = settings_in_subprocess({**env, "PORT": "81o1"}, "settings.SITE_URL")
    assert typo.returncode != 0 and "PORT" in typo.stderr


# --- MIGRATION_DATABASE_URL, the owner role migrations run as (README "Database roles") -----------


def test_migration_database_url_names_the_owner_of_the_apps_database(tmp_path):
    env = {
        "SECRET_KEY": "x" * 50,
        "IRO_PORTAL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://iro_portal_app:a@db:5432/iro_portal",
    }
    result = settings_in_subprocess(
        {**env, "MIGRATION_DATABASE_URL": "postgres://iro_portal_owner:o@db:5432/iro_portal"},
        "settings.DATABASES['default']['USER'], settings.MIGRATION_DATABASE['USER']",
    )
    assert result.stdout.strip() == "iro_portal_app iro_portal_owner", result.stderr
    for url, message in (
        ("postgres://iro_portal_owner:o@db:5432/elsewhere", "must name the database DATABASE_URL names"),
        ("postgres://iro_portal_app:a@db:5432/iro_portal", "must connect as another role than DATABASE_URL"),
    ):
        refused = settings_in_subprocess({**env, "MIGRATION_DATABASE_URL": url}, "settings.MIGRATION_DATABASE")
        assert refused.returncode != 0 and message in refused.stderr, refused.stderr
    on_sqlite = settings_in_subprocess(
        {
            "SECRET_KEY": "x" * 50,
            "IRO_PORTAL_VAR_DIR": str(tmp_path),
            "MIGRATION_DATABASE_URL": "postgres://iro_portal_owner:o@db:5432/iro_portal",
        },
        "settings.MIGRATION_DATABASE",
    )
    assert on_sqlite.returncode != 0 and "PostgreSQL only" in on_sqlite.stderr


def test_without_migration_database_url_migrations_use_the_apps_connection(tmp_path):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)}, "settings.MIGRATION_DATABASE"
    )
    assert result.stdout.strip() == "None", result.stderr


# --- REPLICA_DATABASE_URL, the optional read replica (README "A read replica") ----------------------


def test_without_a_replica_there_is_one_database_and_no_router(tmp_path):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "REPLICA_DATABASE_URL": " "},
        "list(settings.DATABASES), settings.DATABASE_ROUTERS, [m for m in settings.MIDDLEWARE if 'replica' in m.lower()]",
    )
    assert result.stdout.strip() == "['default'] [] []", result.stderr


def test_a_replica_gets_the_router_its_middleware_first_and_the_primarys_settings(tmp_path):
    result = settings_in_subprocess(
        {
            "SECRET_KEY": "x" * 50,
            "IRO_PORTAL_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://iro_portal_app:a@db:5432/iro_portal",
            "REPLICA_DATABASE_URL": "postgres://iro_portal_app:a@db-replica:5432/iro_portal",
        },
        "settings.DATABASES['replica']['HOST'], settings.DATABASES['replica']['TEST'], settings.DATABASES['replica']['OPTIONS'], "
        "settings.DATABASES['replica']['CONN_HEALTH_CHECKS'], settings.DATABASE_ROUTERS, settings.MIDDLEWARE[0]",
    )
    assert result.stdout.strip() == (
        "db-replica {'MIRROR': 'default'} {'connect_timeout': 3, 'options': '-c jit=off'} True "
        "['iro_portal.db_routers.ReplicaRouter'] iro_portal.db_routers.ReplicaReadsMiddleware"
    ), result.stderr


def test_a_replica_url_that_is_not_postgresql_stops_start_up(tmp_path):
    env = {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)}
    postgres = {**env, "DATABASE_URL": "postgres://iro_portal_app:a@db:5432/iro_portal"}
    for environment, message in (
        ({**env, "REPLICA_DATABASE_URL": "postgres://app:a@db-replica:5432/iro_portal"}, "PostgreSQL only"),
        ({**postgres, "REPLICA_DATABASE_URL": "sqlite:///replica.sqlite3"}, "PostgreSQL only"),
        ({**postgres, "REPLICA_DATABASE_URL": "db-replica:5432"}, "REPLICA_DATABASE_URL is not a database URL"),
        ({**postgres, "REPLICA_DATABASE_URL": "postgres://app:a@db-replica:5432"}, "must name the database"),
    ):
        refused = settings_in_subprocess(environment, "settings.DATABASES")
        assert refused.returncode != 0 and message in refused.stderr, refused.stderr
        assert ":a@" not in refused.stderr, "the password stays out of the message"


def test_a_shared_cache_for_the_api_request_counts_is_read_from_the_environment(tmp_path):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "CACHE_URL": "redis://cache:6379/1"},
        "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION']",
    )
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache redis://cache:6379/1", result.stderr


def test_a_default_token_lifetime_beyond_the_longest_is_refused(tmp_path):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "API_TOKEN_DEFAULT_DAYS": "400"},
        "settings.API_TOKEN_DEFAULT_DAYS",
    )
    assert result.returncode != 0
    assert "API_TOKEN_DEFAULT_DAYS=400 and API_TOKEN_MAX_DAYS=365" in result.stderr
