"""The production-shaped stack: docker-compose.yml (validated by the docker-compose binary) and
the Dockerfile (read as text: no Docker engine is needed to run these tests).

`docker-compose config` is skipped when the binary is absent, unless REQUIRE_COMPOSE_CHECK=1
(CI), which turns the skip into a failure. DOCKER_COMPOSE may name another binary.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DEVELOPMENT_COMPOSE_FILE = PROJECT_ROOT / "docker-compose.dev.yml"
ROLES_SCRIPT = PROJECT_ROOT / "deploy" / "create-database-roles.sh"
REPLICATION_SCRIPT = PROJECT_ROOT / "deploy" / "replication-primary.sh"
REPLICA_SCRIPT = PROJECT_ROOT / "deploy" / "start-replica.sh"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
ENTRYPOINT_SCRIPT = PROJECT_ROOT / "deploy" / "entrypoint.sh"

TEST_SECRET_KEY = "compose-config-test-only-not-a-secret"
APP_SERVICES = ("web", "worker", "reminders-worker", "beat", "migrate")
ALL_SERVICES = {"web", "worker", "reminders-worker", "beat", "db", "redis", "migrate"}
# Variables the compose file interpolates: cleared so a developer's shell can't change the result.
INTERPOLATED = (
    "SECRET_KEY",
    "POSTGRES_PASSWORD",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_COOKIES",
    "PRODUCTION",
    "BEHIND_HTTPS_PROXY",
    "LOG_LEVEL",
    "WEB_PORT",
    "WEB_CONCURRENCY",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "DEFAULT_FROM_EMAIL",
    "AUDIT_RETENTION_MONTHS",
    "COMPOSE_FILE",
    "COMPOSE_PROJECT_NAME",
    "SITE_URL",
    "DATABASE_OWNER_PASSWORD",
    "DATABASE_APP_PASSWORD",
    "DATABASE_REPLICATION_PASSWORD",
    "REPLICA_DATABASE_URL",
)


# --- docker-compose config ---------------------------------------------------------------------


def _compose_binary():
    name = os.environ.get("DOCKER_COMPOSE", "docker-compose")
    binary = shutil.which(name)
    if binary is None:
        reason = f"{name} not found; docker-compose.yml is not validated"
        if os.environ.get("REQUIRE_COMPOSE_CHECK") == "1":
            pytest.fail(f"{reason} (REQUIRE_COMPOSE_CHECK=1, so this is an error)", pytrace=False)
        pytest.skip(reason)
    return binary


def _run_compose_config(binary, *extra, secret_key=TEST_SECRET_KEY, files=(COMPOSE_FILE,)):
    env = {key: value for key, value in os.environ.items() if key not in INTERPOLATED}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run(
        [binary, *(part for file in files for part in ("-f", str(file))), "config", *extra],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _script_interpreter(binary):
    """The Python behind a script-installed docker-compose (Debian's v1): it has PyYAML."""
    try:
        with open(binary, "rb") as handle:
            first_line = handle.readline(200).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if first_line.startswith("#!") and "python" in first_line:
        return shlex.split(first_line[2:])[0]
    return None


def _parse_config(binary, yaml_text):
    """Turn `config` output into a dict, with whatever can read YAML here."""
    try:
        import yaml
    except ImportError:
        pass
    else:
        return yaml.safe_load(yaml_text)
    interpreter = _script_interpreter(binary)
    if interpreter:
        converted = subprocess.run(
            [interpreter, "-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
            input=yaml_text,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if converted.returncode == 0:
            return json.loads(converted.stdout)
    as_json = _run_compose_config(binary, "--format", "json")  # docker compose v2
    if as_json.returncode == 0:
        return json.loads(as_json.stdout)
    pytest.fail(
        "Cannot read the output of `docker-compose config`: install PyYAML in the test environment",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def compose_binary():
    return _compose_binary()


@pytest.fixture(scope="module")
def compose_config(compose_binary):
    result = _run_compose_config(compose_binary)
    assert result.returncode == 0, f"docker-compose config rejected docker-compose.yml:\n{result.stderr}"
    return _parse_config(compose_binary, result.stdout)


def _environment(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def _command(service):
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def _depends_on(service):
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in depends_on.items()}


def test_compose_defines_the_production_services(compose_config):
    services = compose_config["services"]
    assert ALL_SERVICES <= set(services), f"missing services: {ALL_SERVICES - set(services)}"
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    for name in APP_SERVICES:
        assert "build" in services[name], f"{name} is not built from the Dockerfile"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_postgres_on_db_and_redis_broker(compose_config, name):
    environment = _environment(compose_config["services"][name])

    database = urlsplit(environment.get("DATABASE_URL", ""))
    assert database.scheme in {"postgres", "postgresql"}, environment.get("DATABASE_URL")
    assert database.hostname == "db"
    assert database.path == "/iro_portal"

    broker = urlsplit(environment.get("CELERY_BROKER_URL", ""))
    assert broker.scheme == "redis", environment.get("CELERY_BROKER_URL")
    assert broker.hostname == "redis"

    assert environment.get("SECRET_KEY") == TEST_SECRET_KEY
    assert environment.get("DEBUG", "").lower() in {"0", "false", "no", "off", ""}
    assert environment.get("ALLOWED_HOSTS")


def test_compose_runs_production_settings_by_default(compose_config):
    for name in APP_SERVICES:
        environment = _environment(compose_config["services"][name])
        assert environment.get("PRODUCTION") == "1", name
        assert environment.get("SECURE_COOKIES") == "1", name
        assert "SITE_URL" in environment, f"{name} does not pass SITE_URL through"


def test_the_development_file_turns_production_off_for_plain_http(compose_binary):
    result = _run_compose_config(compose_binary, files=(COMPOSE_FILE, DEVELOPMENT_COMPOSE_FILE))
    assert result.returncode == 0, result.stderr
    services = _parse_config(compose_binary, result.stdout)["services"]
    for name in APP_SERVICES:
        environment = _environment(services[name])
        assert (environment["PRODUCTION"], environment["SECURE_COOKIES"]) == ("0", "0"), name
        assert environment["SITE_URL"] == "http://localhost:8000"
        assert urlsplit(environment["DATABASE_URL"]).username == "iro_portal_app"


def test_only_migrate_logs_in_as_the_owner_of_the_tables(compose_config):
    """web, worker and beat connect as the role that owns nothing (README "Database roles")."""
    services = compose_config["services"]
    for name in ("web", "worker", "beat"):
        environment = _environment(services[name])
        assert urlsplit(environment["DATABASE_URL"]).username == "iro_portal_app", name
        assert "MIGRATION_DATABASE_URL" not in environment, f"{name} holds the owner's password"
    migrate = _environment(services["migrate"])
    owner, app = urlsplit(migrate["MIGRATION_DATABASE_URL"]), urlsplit(migrate["DATABASE_URL"])
    assert (owner.username, app.username) == ("iro_portal_owner", "iro_portal_app")
    assert (owner.hostname, owner.path) == (app.hostname, app.path) == ("db", "/iro_portal")
    database = _environment(services["db"])
    assert (database["IRO_OWNER_ROLE"], database["IRO_APP_ROLE"], database["IRO_DATABASE"]) == (
        "iro_portal_owner",
        "iro_portal_app",
        "iro_portal",
    )
    assert database["IRO_OWNER_PASSWORD"] == owner.password and database["IRO_APP_PASSWORD"] == app.password
    mounts = [
        str(v.get("source", "") + ":" + v.get("target", "") if isinstance(v, dict) else v)
        for v in services["db"]["volumes"]
    ]
    assert any(str(ROLES_SCRIPT) in mount and "/docker-entrypoint-initdb.d/" in mount for mount in mounts), mounts
    assert os.access(ROLES_SCRIPT, os.X_OK), "the postgres image only runs an executable init script in a subshell"


def _mounts(service):
    """{target: source} of a service's volumes, as docker-compose v1 (strings) or v2 (dicts) prints them."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts[str(volume["target"])] = str(volume.get("source", ""))
        else:
            source, target = volume.split(":")[:2]
            mounts[target] = source
    return mounts


def test_the_replica_profile_streams_a_read_only_copy_of_db(compose_config):
    """`docker compose --profile replica up` adds db-replica (README "A read replica"), copied
    from db as the replication role db's first start made; the app reads it only when
    REPLICA_DATABASE_URL is given, so by default nothing changes."""
    services = compose_config["services"]
    db, replica = services["db"], services["db-replica"]
    assert replica["profiles"] == ["replica"]
    assert replica["image"] == db["image"], "a streaming replica runs the primary's major version"
    assert _depends_on(replica) == {"db": "service_healthy"}
    primary_environment, replica_environment = _environment(db), _environment(replica)
    assert replica_environment["IRO_PRIMARY_HOST"] == "db"
    for name in ("IRO_REPLICATION_ROLE", "IRO_REPLICATION_PASSWORD"):
        assert replica_environment[name] == primary_environment[name], name
    db_mounts, replica_mounts = _mounts(db), _mounts(replica)
    assert str(REPLICATION_SCRIPT) in db_mounts["/docker-entrypoint-initdb.d/20-iro-portal-replication.sh"]
    assert str(REPLICA_SCRIPT) in replica_mounts[replica["entrypoint"][0]]
    assert db_mounts["/var/lib/postgresql/data"] != replica_mounts["/var/lib/postgresql/data"]
    for script in (REPLICATION_SCRIPT, REPLICA_SCRIPT):
        assert os.access(script, os.X_OK), script
    for name in APP_SERVICES:
        assert _environment(services[name])["REPLICA_DATABASE_URL"] == "", name


def test_compose_refuses_to_start_without_a_secret_key(compose_binary):
    result = _run_compose_config(compose_binary, secret_key=None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_commands_and_start_order(compose_config):
    services = compose_config["services"]
    assert "pg_isready" in " ".join(_command({"command": services["db"]["healthcheck"]["test"]}))

    migrate = services["migrate"]
    assert _command(migrate)[-3:] == ["manage.py", "migrate", "--noinput"]
    assert _depends_on(migrate) == {"db": "service_healthy"}
    assert str(migrate.get("restart", "no")) in {"no", "False", "false"}

    web = services["web"]
    assert _command(web)[:2] == ["gunicorn", "iro_portal.wsgi:application"]
    assert _depends_on(web)["migrate"] == "service_completed_successfully"
    assert any(str(port.get("target") if isinstance(port, dict) else port).endswith("8000") for port in web["ports"])

    worker_command = _command(services["worker"])
    assert worker_command[:3] == ["celery", "-A", "iro_portal"] and "worker" in worker_command
    beat_command = _command(services["beat"])
    assert beat_command[:3] == ["celery", "-A", "iro_portal"] and "beat" in beat_command
    schedule = beat_command[beat_command.index("--schedule") + 1]
    beat_volumes = [
        str(v.get("target") if isinstance(v, dict) else v.split(":")[1]) for v in services["beat"]["volumes"]
    ]
    assert any(schedule.startswith(target.rstrip("/") + "/") for target in beat_volumes), (
        f"beat's schedule {schedule} is not on a volume {beat_volumes}"
    )
    for name in ("worker", "reminders-worker", "beat"):
        assert _depends_on(services[name])["migrate"] == "service_completed_successfully"
        assert "redis" in _depends_on(services[name])


def _queues_consumed(command):
    """The Celery queues a `celery worker` command consumes: those it names with --queues, else
    every queue (settings.CELERY_TASK_QUEUES) but those it names with --exclude-queues."""
    every = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    named = {option: set() for option in ("--queues", "--exclude-queues")}
    for option, value in zip(command, command[1:]):
        if option in named:
            named[option].update(value.split(","))
    assert not (set(command) & {"-Q", "-X"}), "name the queues with the long options, which these tests read"
    return named["--queues"] or every - named["--exclude-queues"]


def test_reminders_have_a_worker_of_their_own(compose_config):
    """A long SSDA903 import or PDF never holds up a reminder or a safety alert: reminders-worker
    consumes the reminders queue alone, worker every other queue, so every queue has a worker."""
    services = compose_config["services"]
    reminders = _queues_consumed(_command(services["reminders-worker"]))
    others = _queues_consumed(_command(services["worker"]))
    assert reminders == {"reminders"}
    assert "reminders" not in others
    assert reminders | others == {queue.name for queue in settings.CELERY_TASK_QUEUES}
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= reminders | others


def test_the_development_worker_consumes_every_queue():
    """scripts/run starts one worker: it must take every queue, or reminders or PDFs would wait forever."""
    lines = [line for line in (PROJECT_ROOT / "scripts" / "run").read_text().splitlines() if " worker " in line]
    (worker,) = [line for line in lines if "celery -A iro_portal worker" in line]
    assert _queues_consumed(shlex.split(worker)) == {queue.name for queue in settings.CELERY_TASK_QUEUES}


# --- Dockerfile (plain text) ---------------------------------------------------------------------


def _dockerfile_stages():
    """[(from_line, [(INSTRUCTION, arguments), ...]), ...] with continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append((arguments.strip(), []))
        elif stages:
            stages[-1][1].append((instruction, " ".join(arguments.split())))
    return stages


def _exec_form(arguments):
    arguments = arguments.strip()
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def test_dockerfile_builds_assets_in_node_and_runs_python_311_slim():
    stages = _dockerfile_stages()
    assert stages[-1][0].startswith("python:3.11-slim")
    node_stages = [(image, steps) for image, steps in stages if image.startswith("node:")]
    assert node_stages, "no node stage builds the front-end assets"
    node_runs = " ".join(arguments for instruction, arguments in node_stages[0][1] if instruction == "RUN")
    assert "npm ci" in node_runs and "npm run build:css" in node_runs
    final_copies = [arguments for instruction, arguments in stages[-1][1] if instruction == "COPY"]
    assert any("--from=" in copy and "govuk-frontend/dist" in copy for copy in final_copies)
    assert any("--from=" in copy and "static/build" in copy for copy in final_copies)
    assert any(
        "--require-hashes -r requirements.lock" in arguments
        for instruction, arguments in stages[-1][1]
        if instruction == "RUN"
    )


def test_dockerfile_collects_static_files_with_a_throwaway_secret_key():
    final_steps = _dockerfile_stages()[-1][1]
    collect = [
        arguments for instruction, arguments in final_steps if instruction == "RUN" and "collectstatic" in arguments
    ]
    assert collect, "the image build does not run collectstatic"
    assert "manage.py collectstatic --noinput" in collect[0]
    assert "SECRET_KEY=" in collect[0], "collectstatic needs a SECRET_KEY for that step only"
    for instruction, arguments in final_steps:
        if instruction in {"ENV", "ARG"}:
            assert "SECRET_KEY" not in arguments, f"{instruction} {arguments} would bake a key into the image"


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    final_steps = _dockerfile_stages()[-1][1]
    users = [arguments for instruction, arguments in final_steps if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    commands = [_exec_form(arguments) for instruction, arguments in final_steps if instruction == "CMD"]
    assert commands, "no CMD"
    assert commands[-1][0] == "gunicorn" and "iro_portal.wsgi:application" in commands[-1]
    assert any(part.endswith(":8000") for part in commands[-1]) or "8000" in commands[-1]
    entrypoints = [_exec_form(arguments) for instruction, arguments in final_steps if instruction == "ENTRYPOINT"]
    if entrypoints:
        script = entrypoints[-1][-1]
        assert script == "/app/deploy/entrypoint.sh"
        assert re.search(r'^exec "\$@"$', ENTRYPOINT_SCRIPT.read_text(), re.MULTILINE), (
            "the entrypoint must exec the container's command so it runs as PID 1 and gets signals"
        )


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for path in (".git", ".venv", "node_modules", "var", "staticfiles", ".env"):
        assert path in ignored, f"{path} should be in .dockerignore"


def test_the_web_health_check_passes_only_when_healthz_answers(compose_config, live_server):
    """The container's health check, run here against a live server: healthy when /healthz
    answers 200 for the first allowed host, unhealthy when nothing answers."""
    script = compose_config["services"]["web"]["healthcheck"]["test"][-1]
    assert "/healthz" in script
    port = urlsplit(live_server.url).port
    env = {**os.environ, "ALLOWED_HOSTS": "localhost,127.0.0.1"}
    healthy = subprocess.run(
        [sys.executable, "-c", script.replace(":8000/", f":{port}/")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert healthy.returncode == 0, healthy.stderr
    closed = subprocess.run(
        [sys.executable, "-c", script.replace(":8000/", ":1/")], env=env, capture_output=True, text=True, timeout=30
    )
    assert closed.returncode != 0


def test_lock_files_are_compiled_from_the_requirements_files():
    """The image and scripts/setup install the locks, so a pin changed only in requirements.txt
    would never be installed."""
    checked = subprocess.run([str(PROJECT_ROOT / "scripts" / "check-lock")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
