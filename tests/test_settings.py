"""Settings come from the environment, with defaults that need nothing installed."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(env, expression):
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "SECRET_KEY_FILE"}}
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
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path),
         "DATABASE_URL": "postgres://someone@db.example:5432/portal", "CELERY_BROKER_URL": "redis://cache:6379/1"},
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
    clean_env = {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3"}
    code = "import django; django.setup(); from iro_portal.celery import app; print(app.conf.broker_url)"
    env = {**os.environ, **clean_env, "DJANGO_SETTINGS_MODULE": "iro_portal.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "redis://127.0.0.1:6379/3", result.stderr


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
