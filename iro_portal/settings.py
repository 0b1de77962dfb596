"""Settings come from the environment; the defaults run the app with nothing installed
(SQLite file, filesystem Celery broker, emails written to files)."""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("IRO_PORTAL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


FLAG_VALUES = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def env_flag(name, default=False):
    """A yes/no setting. Any other value stops start-up: a typo (PRODUCTION=ture) must not quietly
    turn a security setting off. Unset or empty means the default."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.lower() not in FLAG_VALUES:
        raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value: use 1/0, true/false, yes/no or on/off.")
    return FLAG_VALUES[value.lower()]


def whole_number(name, value):
    try:
        return int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_int(name, default):
    """A whole-number setting; anything else stops start-up. Unset or empty means the default."""
    value = os.environ.get(name, "")
    return whole_number(name, value) if value.strip() else default


RATE_PERIODS = ("second", "minute", "hour", "day")


def env_rate(name, default):
    """A request rate, "number/period" with period second, minute, hour or day: anything else
    stops start-up rather than failing every API request."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if not re.fullmatch(rf"\d+/({'|'.join(RATE_PERIODS)})", value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a request rate: write it as a number, a slash and one of "
            f"{', '.join(RATE_PERIODS)} (for example 1000/hour)."
        )
    return value


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_flag("DEBUG")
# PRODUCTION=1 (README "Production settings") is for a site served only over HTTPS, with
# one-time codes compulsory for service managers and administrators.
PRODUCTION = env_flag("PRODUCTION")
SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE", VAR_DIR / "secret_key"))
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    SECRET_KEY = SECRET_KEY_FILE.read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: set SECRET_KEY, or SECRET_KEY_FILE to a file "
            "holding it (scripts/setup writes var/secret_key for local use)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "iro_portal",
    "accounts",
    "audit",
    "children",
    "outcomes",
    "reviews",
    "oversight",
    "escalations",
    "consultations",
    "caseloads",
    "notifications",
    "staffing",
    "reporting",
    "ssda903",
    "operations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "iro_portal.middleware.NeverCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iro_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

WSGI_APPLICATION = "iro_portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'iro_portal.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
# The dashboard's many correlated subqueries look costly to the planner, so PostgreSQL's JIT
# compiles them: about 0.8 s per query whatever the data size (bench/dashboard.py), far more
# than running them. Page queries never gain from JIT, so it is off unless POSTGRES_JIT=1.
POSTGRES_OPTIONS = {} if env_flag("POSTGRES_JIT", default=False) else {"options": "-c jit=off"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(POSTGRES_OPTIONS)
# On PostgreSQL the app's role (DATABASE_URL) owns nothing and may not change the audit log;
# `manage.py migrate` connects as the role that owns the tables, MIGRATION_DATABASE_URL, then
# grants the app's role what it needs (README "Database roles", operations/database_roles.py).
MIGRATION_DATABASE = None
if os.environ.get("MIGRATION_DATABASE_URL"):
    MIGRATION_DATABASE = dj_database_url.parse(os.environ["MIGRATION_DATABASE_URL"])
    if {MIGRATION_DATABASE["ENGINE"], DATABASES["default"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "MIGRATION_DATABASE_URL is for PostgreSQL only: DATABASE_URL and it must both be postgres:// URLs."
        )
    if MIGRATION_DATABASE["NAME"] != DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured("MIGRATION_DATABASE_URL must name the database DATABASE_URL names.")
    if MIGRATION_DATABASE["USER"] == DATABASES["default"]["USER"]:
        raise ImproperlyConfigured(
            "MIGRATION_DATABASE_URL must connect as another role than DATABASE_URL: the owner of the tables."
        )

# The optional read replica (README "A read replica"): a streaming replica of DATABASE_URL's
# PostgreSQL database, read by the dashboard, the annual report page and the API's lists where
# nothing needs what was just written (iro_portal/db_routers.py). Unset, as before: one database.
# In the test suite the replica is the test database itself (TEST MIRROR).
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "").strip()
if REPLICA_DATABASE_URL:
    try:
        _replica = dj_database_url.parse(
            REPLICA_DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
            test_options={"MIRROR": "default"},
        )
    except ValueError:
        raise ImproperlyConfigured("REPLICA_DATABASE_URL is not a database URL: write postgres://...") from None
    if {_replica["ENGINE"], DATABASES["default"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "REPLICA_DATABASE_URL is for PostgreSQL only: DATABASE_URL and it must both be postgres:// URLs."
        )
    if not _replica["NAME"]:
        raise ImproperlyConfigured("REPLICA_DATABASE_URL must name the database, as DATABASE_URL does.")
    # A replica that does not answer costs its requests this long before they read the primary.
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    _replica["OPTIONS"].update(POSTGRES_OPTIONS)
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["iro_portal.db_routers.ReplicaRouter"]
    MIDDLEWARE.insert(0, "iro_portal.db_routers.ReplicaReadsMiddleware")

# The API's request counts (API_THROTTLE_RATES) live in the cache: by default each process's own
# memory, so with several gunicorn workers each counts separately; CACHE_URL (for example
# redis://redis:6379/1) shares one count between every worker and machine.
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in protection (README "Sign-in protection"). django-axes refuses sign-in, before the
# password is checked, for AXES_FAILURE_LIMIT failures within AXES_COOLOFF_MINUTES from one
# username (whatever the address) or from one address (whatever the username).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_flag("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "iro_portal.client_address.client_address"
# Behind the HTTPS proxy the client's address is the last one the proxy added to X-Forwarded-For.
CLIENT_IP_FROM_X_FORWARDED_FOR = env_flag("BEHIND_HTTPS_PROXY")
# Failures are cleared once a person has fully signed in (after their one-time code, if they
# use one), not at the password step, so a stolen password cannot reset the count of wrong codes.
AXES_RESET_ON_SUCCESS = False
# The audit log records every sign-in; axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Time-based one-time codes (django-otp): anyone may turn them on at /account/two-factor/;
# OTP_REQUIRED_ROLES (role values, e.g. "service_manager,administrator") makes them compulsory.
# In production service managers and administrators always need them: OTP_REQUIRED_ROLES can add
# roles to those two, never take them away.
OTP_ALWAYS_REQUIRED_IN_PRODUCTION = ["service_manager", "administrator"]
OTP_REQUIRED_FOR_ROLES = env_list("OTP_REQUIRED_ROLES", [])
if PRODUCTION:
    OTP_REQUIRED_FOR_ROLES = list(dict.fromkeys(OTP_ALWAYS_REQUIRED_IN_PRODUCTION + OTP_REQUIRED_FOR_ROLES))
OTP_TOTP_ISSUER = "IRO Portal"
# Administrators can remove a person's authenticator app in the admin site, but never read its key.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "en-gb"
FORMAT_MODULE_PATH = ["iro_portal.formats"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("accessible-autocomplete", BASE_DIR / "node_modules" / "accessible-autocomplete" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# A session ends after 30 minutes without a request (accounts.middleware.IdleSessionMiddleware
# saves it, moving its expiry on) and when the browser closes (the cookie has no expiry date).
SESSION_COOKIE_AGE = 30 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# In PRODUCTION cookies are sent only over HTTPS, plain-HTTP requests are redirected, and
# browsers are told (HSTS) to use nothing but HTTPS for a year. The load balancer's plain-HTTP
# health check (/healthz) is not redirected. SECURE_COOKIES=1 alone makes the cookies secure-only.
SESSION_COOKIE_SECURE = PRODUCTION or env_flag("SECURE_COOKIES")
CSRF_COOKIE_SECURE = PRODUCTION or env_flag("SECURE_COOKIES")
# No script reads the CSRF cookie: pages carry the token in their forms.
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = PRODUCTION
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_flag("BEHIND_HTTPS_PROXY"):
    # The proxy terminates TLS and sets X-Forwarded-Proto, replacing any value the client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), in development too: scripts, styles, fonts and images
# come only from this server. No page has inline script or style, except the API documentation
# pages, whose inline blocks carry the response's nonce (templates/drf_spectacular/); the nonce
# appears in the header only on a response that used it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "iro-portal@localhost")

# Consultation links (people who do not sign in): a link before a review closes when the review is
# held or cancelled, and in any case after CONSULTATION_LINK_DAYS; a feedback link after the review
# closes after FEEDBACK_LINK_DAYS.
CONSULTATION_LINK_DAYS = env_int("CONSULTATION_LINK_DAYS", 28)
FEEDBACK_LINK_DAYS = env_int("FEEDBACK_LINK_DAYS", 28)
# A safety alert nobody has answered this many minutes after it was raised is passed to the
# service managers again (consultations.tasks, every five minutes).
SAFETY_ALERT_ESCALATE_AFTER_MINUTES = env_int("SAFETY_ALERT_ESCALATE_AFTER_MINUTES", 120)
if SAFETY_ALERT_ESCALATE_AFTER_MINUTES < 1:
    raise ImproperlyConfigured(
        f"SAFETY_ALERT_ESCALATE_AFTER_MINUTES must be at least 1, not {SAFETY_ALERT_ESCALATE_AFTER_MINUTES}."
    )
# The public pages' limits ("number/second|minute|hour|day", counted in the default cache):
# requests from one address; codes from one address that open nothing (a guesser); opens and
# sends of one link (a flood through a forwarded link). Over a limit is a 429 page.
CONSULTATION_RATES = {
    "address": env_rate("CONSULTATION_RATE_PER_ADDRESS", "300/hour"),
    "bad_code": env_rate("CONSULTATION_RATE_BAD_CODES", "10/hour"),
    "link": env_rate("CONSULTATION_RATE_PER_LINK", "30/hour"),
}

# The audit log's retention in months (README "Audit log partitions and retention"):
# `manage.py audit_retention` removes each calendar month that ended more than this many months
# ago. Unset, the log is kept whole: who saw a child's record may matter for as long as the record
# is kept (often until the child's 75th birthday), so how long to keep it is the authority's
# decision, never a default.
AUDIT_RETENTION_MONTHS = env_int("AUDIT_RETENTION_MONTHS", None)
if AUDIT_RETENTION_MONTHS is not None and AUDIT_RETENTION_MONTHS < 12:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_MONTHS must be at least 12 (months, for example 84 for seven years), "
        f"not {AUDIT_RETENTION_MONTHS}: a shorter one would remove evidence of who saw a child's record "
        "within the year a complaint or a request for the record could ask about it."
    )

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_folder = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder / "queue"),
        "data_folder_out": str(_broker_folder / "queue"),
        "processed_folder": str(_broker_folder / "processed"),
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_folder / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith("redis"):
    # Unacknowledged tasks of a lost worker return to the queue after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_ALWAYS_EAGER = env_flag("CELERY_TASK_ALWAYS_EAGER")
# Queues (README "Background work"), so that a long SSDA903 import or a PDF never holds up a
# reminder or a safety alert: each task is routed here by name, the rest to the default queue.
# A worker started without -Q consumes every queue below (scripts/run's single worker); the
# production stack gives reminders a worker of their own (docker-compose.yml).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name) for name in (CELERY_TASK_DEFAULT_QUEUE, "reminders", "documents", "imports")
]
CELERY_TASK_ROUTES = {
    **{
        name: {"queue": "reminders"}
        for name in (
            "notifications.tasks.daily_sweep",
            "notifications.tasks.send_notification_emails",
            "reviews.tasks.sweep_review_reminders",
            "reviews.tasks.send_manager_digests",
            "oversight.tasks.sweep_oversight_reminders",
            "escalations.tasks.sweep_escalation_reminders",
            "consultations.tasks.escalate_unanswered_alerts",
        )
    },
    "reviews.tasks.render_review_document": {"queue": "documents"},
    "reporting.tasks.render_report_document": {"queue": "documents"},
    "ssda903.tasks.run_import": {"queue": "imports"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
# Seconds an SSDA903 import or a report PDF may take: at the soft limit the task stops and says
# so (an import writes nothing); TASK_TIME_LIMIT_GRACE later the worker process is ended.
IMPORT_903_SOFT_TIME_LIMIT = env_int("IMPORT_903_SOFT_TIME_LIMIT", 1800)
REPORT_PDF_SOFT_TIME_LIMIT = env_int("REPORT_PDF_SOFT_TIME_LIMIT", 600)
TASK_TIME_LIMIT_GRACE = 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Nothing personal reaches the log (iro_portal/logging.py): no query strings (search terms),
    # no exception messages (which can quote a child's record), only where the error happened.
    # A refusal (4xx) is one line, without the traceback Django attaches to a PermissionDenied.
    "filters": {
        "refusals_in_one_line": {"()": "iro_portal.logging.RefusalsInOneLine"},
        "no_personal_data": {"()": "iro_portal.logging.NoPersonalData"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals_in_one_line", "no_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes notes every sign-in at INFO; the audit log has them. Its warnings (failures,
    # lock-outs) still show.
    "loggers": {
        "axes": {"level": "WARNING"},
        # runserver's request lines, through the same filter.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

CHILDREN_LIST_PAGE_SIZE = 50
SERVICE_NAME = "IRO Portal"

# The local authority whose children the portal holds: its name for pages and reports, and its
# ONS code (the upper-tier authority, E06/E08/E09/E10) for the SSDA903 return, where a
# placement's postcode says whether it is inside the authority. The demo borrows a real code so
# that its placements' real postcodes find their local authorities; its children are synthetic.
AUTHORITY_NAME = os.environ.get("AUTHORITY_NAME", "").strip() or "Demo City Council"
AUTHORITY_CODE = os.environ.get("AUTHORITY_CODE", "").strip().upper() or "E06000018"
if not re.fullmatch(r"[ENSW][0-9]{8}", AUTHORITY_CODE):
    raise ImproperlyConfigured(
        f"AUTHORITY_CODE={AUTHORITY_CODE!r} is not an ONS local authority code: a letter and eight digits, "
        "for example E06000018."
    )
# The DfE's published SSDA903 validator runs in its own environment (scripts/setup-dfe-validator:
# it pins pandas<2); export_903 checks a return with it when this Python is there.
DFE_VALIDATOR_PYTHON = Path(
    os.environ.get("DFE_VALIDATOR_PYTHON", "").strip() or BASE_DIR / ".venv-dfe" / "bin" / "python"
)
CSRF_FAILURE_VIEW = "iro_portal.views.csrf_failure"

# Local review standards (DESIGN.md section 3); the statutory timescales are in reviews/timescales.py.
REVIEW_STANDARDS = {
    "social_worker_report_working_days_before": env_int("SOCIAL_WORKER_REPORT_WORKING_DAYS_BEFORE", 3),
    "decisions_circulated_within_working_days": env_int("DECISIONS_CIRCULATED_WITHIN_WORKING_DAYS", 5),
    "record_circulated_within_working_days": env_int("RECORD_CIRCULATED_WITHIN_WORKING_DAYS", 20),
    "iro_allocated_within_working_days": env_int("IRO_ALLOCATED_WITHIN_WORKING_DAYS", 5),
}
UNPLANNED_MOVE_TRIGGERS_REVIEW = env_flag("UNPLANNED_MOVE_TRIGGERS_REVIEW", default=True)

# Escalations (IRO Handbook ch. 6): working days each stage has to respond, and the limit for the
# whole formal process, from the first formal step to resolution (also the annual report's standard).
ESCALATION_RESPONSE_WORKING_DAYS = {
    stage: env_int(f"ESCALATION_{stage.upper()}_RESPONSE_WORKING_DAYS", 5)
    for stage in ("informal", "team_manager", "service_manager", "head_of_service", "director", "cafcass")
}
ESCALATION_FORMAL_PROCESS_WORKING_DAYS = env_int("ESCALATION_FORMAL_PROCESS_WORKING_DAYS", 20)

# Small-number suppression in the board version of the annual report (reporting/suppression.py):
# counts from SUPPRESSION_LOWEST_COUNT to SUPPRESSION_HIGHEST_COUNT are shown as "c".
SUPPRESSION_LOWEST_COUNT = env_int("SUPPRESSION_LOWEST_COUNT", 1)
SUPPRESSION_HIGHEST_COUNT = env_int("SUPPRESSION_HIGHEST_COUNT", 5)
if not 0 < SUPPRESSION_LOWEST_COUNT <= SUPPRESSION_HIGHEST_COUNT:
    raise ImproperlyConfigured(
        "Small-number suppression needs 0 < SUPPRESSION_LOWEST_COUNT <= SUPPRESSION_HIGHEST_COUNT; "
        f"got SUPPRESSION_LOWEST_COUNT={SUPPRESSION_LOWEST_COUNT} and "
        f"SUPPRESSION_HIGHEST_COUNT={SUPPRESSION_HIGHEST_COUNT}."
    )

# Reminders (notifications app): the daily sweep's hour, the working days before a review is
# due at which its IRO is reminded, and the outgoing email.
# SITE_URL is the address reminder emails link to: in production the site's own https:// address;
# otherwise, unless given, the development server on PORT (scripts/run starts it there).
PORT = env_int("PORT", 8000)
SITE_URL = os.environ.get("SITE_URL", "").strip()
if PRODUCTION and not SITE_URL:
    raise ImproperlyConfigured(
        "SITE_URL must be set when PRODUCTION is on: the site's https:// address, which reminder emails link to."
    )
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(f"SITE_URL must be the site's https:// address when PRODUCTION is on, not {SITE_URL!r}.")
SITE_URL = SITE_URL or f"http://127.0.0.1:{PORT}"
REMINDER_SWEEP_HOUR = env_int("REMINDER_SWEEP_HOUR", 6)
REVIEW_REMINDER_WORKING_DAYS = [
    whole_number("REVIEW_REMINDER_WORKING_DAYS", n) for n in env_list("REVIEW_REMINDER_WORKING_DAYS", ["10", "5", "1"])
]
REMINDER_SWEEP_CHUNK_SIZE = env_int("REMINDER_SWEEP_CHUNK_SIZE", 2000)
REMINDER_DIGEST_DELAY_SECONDS = env_int("REMINDER_DIGEST_DELAY_SECONDS", 600)
REMINDER_EMAIL_BATCH_SIZE = env_int("REMINDER_EMAIL_BATCH_SIZE", 200)
REMINDER_EMAIL_MAX_ATTEMPTS = env_int("REMINDER_EMAIL_MAX_ATTEMPTS", 10)

# The REST API (/api/v1/): the same rules and permissions as the pages. Browsers use their
# session (with CSRF); integrations send "Authorization: Token <key>" with a key its user created
# under "Your account" after their one-time code (accounts.ApiToken), which expires.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api_permissions.ActiveUser"],
    "DEFAULT_THROTTLE_CLASSES": ["iro_portal.api_throttling.TokenOrUserRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "iro_portal.api.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["iro_portal.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "iro_portal.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
# Requests each token, and each person using the API through their browser session, may make
# ("number/second|minute|hour|day"); counted in the default cache (CACHES above).
API_THROTTLE_RATES = {
    "token": env_rate("API_THROTTLE_RATE_TOKEN", "5000/hour"),
    "user": env_rate("API_THROTTLE_RATE_USER", "1000/hour"),
}
# How long a new API token lasts unless its creator chooses (in days), and the longest allowed.
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365)
if not 1 <= API_TOKEN_DEFAULT_DAYS <= API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured(
        f"API tokens need 1 <= API_TOKEN_DEFAULT_DAYS <= API_TOKEN_MAX_DAYS; got API_TOKEN_DEFAULT_DAYS="
        f"{API_TOKEN_DEFAULT_DAYS} and API_TOKEN_MAX_DAYS={API_TOKEN_MAX_DAYS}."
    )
API_MAX_PAGE_SIZE = 200
SPECTACULAR_SETTINGS = {
    "TITLE": "IRO Portal API",
    "DESCRIPTION": (
        "Children in care, their reviews and conferences, oversight and escalations, for the Independent "
        "Reviewing Officer service. Authenticate with your browser session or with a token: send "
        "`Authorization: Token <key>`. You create your own tokens under Your account, API tokens, after "
        f"signing in with a one-time code; each expires (after {API_TOKEN_DEFAULT_DAYS} days unless you choose "
        f"otherwise, at most {API_TOKEN_MAX_DAYS}), and a read-only token gets 403 for any POST, PUT, PATCH or DELETE. An expired or revoked "
        "token gets 401. Each token, and each person through their browser session, may make a limited "
        "number of requests in a period; beyond it the answer is 429 with a `Retry-After` header giving the "
        "seconds to wait. IROs see only the children allocated to them; board members see aggregate "
        "figures only."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description is for signed-in users (or token holders), as every page but sign-in.
    "SERVE_PERMISSIONS": ["accounts.api_permissions.ActiveUser"],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No "valid" badge: it is an image from validator.swagger.io, which the CSP refuses.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The same field names (kind, status, stage) carry different code lists in different apps.
    "ENUM_NAME_OVERRIDES": {
        "OversightKindEnum": "oversight.models.OversightKind",
        "MissingKindEnum": "outcomes.codes.MissingKind",
        "RagEnum": "oversight.models.Rag",
        "EscalationStageEnum": "escalations.codes.Stage",
        "EscalationStatusEnum": "escalations.codes.EscalationStatus",
        "AreaOfConcernEnum": "escalations.codes.AreaOfConcern",
        "NotificationKindEnum": "notifications.models.NotificationKind",
        "ReviewKindEnum": "reviews.models.ReviewKind",
        "ReviewStatusEnum": "reviews.models.ReviewStatus",
        "ParentsParticipationEnum": "reviews.models.ParentsParticipation",
        "ConferenceParentsParticipationEnum": "reviews.models.ConferenceParentsParticipation",
        "ConferenceAttendanceEnum": "reviews.models.ConferenceAttendance",
        "ReviewAttendanceEnum": "reviews.record_models.Attendance",
        "ParticipationCodeEnum": "reviews.models.ParticipationCode",
        "ReviewDocumentKindEnum": "reviews.models.ReviewDocumentKind",
        "RecipientRoleEnum": "reviews.models.RecipientRole",
        "ParticipantRoleEnum": "reviews.record_models.ParticipantRole",
    },
}
