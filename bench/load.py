#!/usr/bin/env python
"""Pages under load (not run by the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_bench_load .venv/bin/python bench/load.py --seconds 60

Starts gunicorn as production runs it (gunicorn.conf.py, 2 sync workers, DEBUG off, WhiteNoise in
the middleware) on a free port of 127.0.0.1 against DATABASE_URL, signs the demo accounts in
through the sign-in page, then drives each page with locust, one run per page so that each page's
figures are its own:

    caseload     /children/caseload/  each user a different IRO: the --users IROs holding most children
    review list  /reviews/            the same IROs, each their own reviews due
    dashboard    /dashboard/          --users sessions of the service manager (the demo has one):
                                      the whole authority's dashboard, the costliest version
    baseline     /account/            the same IROs: the smallest signed-in page, so it pays what
                                      every page pays (session, user, second-factor check, navigation,
                                      unread reminders) and nothing else

With --think 0 (the default) users wait for nothing between requests, so --users requests are
always in flight against two workers: the latency is mostly queueing and the requests per second
are the stack's capacity. With --think T each user reads a page for T/2 to 3T/2 seconds before
the next, as people do. On this 2-core machine locust competes with the server for the cores.
Each run counts --seconds after every user has started and a warm-up of WARM_UP_SECONDS, and
starts once the requests left queued by the run before have been served. Locust rounds latencies
above 100 ms to 10 ms and above 1 s to 100 ms. Any request that does not answer 200 (a redirect
to sign-in included) fails the benchmark.

The bench server gets OTP_REQUIRED_ROLES empty (the settings' default): the demo accounts have
no authenticator app, and a compulsory second step would only stop them at the code page.

Locust runs in a child process (this file with --drive): importing locust monkey-patches the
standard library with gevent, which must not happen to the caller (bench/run.py). For the same
reason Django and requests are imported only in the functions that the caller's side runs.
"""

import argparse
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
WARM_UP_SECONDS = 5
SERVER_START_SECONDS = 60
IDLE_WAIT_SECONDS = 300
QUICK_ANSWER_SECONDS = 0.2
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Scenario:
    page: str
    url_name: str
    as_manager: bool


SCENARIOS = (
    Scenario("caseload", "children:caseload", as_manager=False),
    Scenario("review list", "reviews:due", as_manager=False),
    Scenario("dashboard", "reporting:dashboard", as_manager=True),
    Scenario("baseline (account page)", "account", as_manager=False),
)


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")
    import django

    django.setup()


def demo_accounts(users):
    """(an IRO's username for each simulated user, the service manager's username): the IROs
    with the largest caseloads today, each once while there are enough of them."""
    from django.utils import timezone

    from accounts.models import Role
    from children.selectors import caseload_sizes
    from demo.children import demo_logins

    logins = demo_logins()
    iros = [user for user in logins if user.role == Role.IRO]
    manager = next((user for user in logins if user.username == "manager"), None)
    if not iros or manager is None:
        raise RuntimeError("No demo IROs or manager: seed the authority first (manage.py seed_demo --children N).")
    sizes = caseload_sizes(iros, timezone.localdate())
    iros.sort(key=lambda iro: -sizes[iro.pk]["children"])
    return [iros[index % len(iros)].username for index in range(users)], manager.username


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment():
    """The caller's environment (DATABASE_URL and the rest) with production's DEBUG off, served
    over plain HTTP on 127.0.0.1."""
    environment = {
        **os.environ,
        "DEBUG": "0",
        "PRODUCTION": "0",
        "SECURE_COOKIES": "0",
        "BEHIND_HTTPS_PROXY": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "OTP_REQUIRED_ROLES": "",
    }
    environment.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    return environment


@contextmanager
def gunicorn_server():
    """The base URL of a gunicorn started for the benchmark, stopped (SIGTERM, then waited for)
    at the end."""
    import requests

    base_url = f"http://127.0.0.1:{_free_port()}"
    with tempfile.TemporaryDirectory(prefix="iro-bench-load-") as folder:
        log_path = Path(folder) / "gunicorn.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "iro_portal.wsgi:application",
                    "--workers",
                    str(WORKERS),
                    "--bind",
                    base_url.removeprefix("http://"),
                    "--timeout",
                    "60",
                    "--access-logfile",
                    "-",
                ],
                cwd=ROOT,
                env=_server_environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
                try:
                    if requests.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                time.sleep(0.5)
            yield base_url
        except BaseException:
            print(f"gunicorn's log ends:\n{log_path.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def sign_in(base_url, username):
    """The cookies of a session signed in through the sign-in page, checked on the account page."""
    import requests

    from demo.children import DEMO_PASSWORD

    browser = requests.Session()
    form = browser.get(f"{base_url}/sign-in/", timeout=30)
    token = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or token is None:
        raise RuntimeError(f"The sign-in page answered {form.status_code} without a form.")
    answer = browser.post(
        f"{base_url}/sign-in/",
        allow_redirects=False,
        timeout=60,
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token.group(1)},
    )
    check = browser.get(f"{base_url}/account/", allow_redirects=False, timeout=30)
    if answer.status_code != 302 or check.status_code != 200:
        raise RuntimeError(
            f"{username} could not sign in: the sign-in page answered {answer.status_code} "
            f"and then the account page {check.status_code} {check.headers.get('Location', '')}."
        )
    return browser.cookies.get_dict()


def sign_in_all(base_url, usernames):
    """One session per username, two at a time (one per worker: hashing the password is the cost)."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda username: sign_in(base_url, username), usernames))


def wait_until_idle(base_url):
    """Requests a run left in flight stay queued in gunicorn after locust stops: wait until
    /healthz answers at once twice running, so that the next run does not start behind them."""
    import requests

    deadline = time.monotonic() + IDLE_WAIT_SECONDS
    quick_answers = 0
    while quick_answers < 2:
        if time.monotonic() > deadline:
            raise RuntimeError(f"The server was still busy {IDLE_WAIT_SECONDS} s after the last run.")
        started = time.monotonic()
        requests.get(f"{base_url}/healthz", timeout=IDLE_WAIT_SECONDS)
        quick_answers = quick_answers + 1 if time.monotonic() - started < QUICK_ANSWER_SECONDS else 0


def drive_in_child(script, spec, timeout):
    """Run `script --drive SPEC RESULT` (locust, in a process of its own) with `spec` as JSON;
    what it wrote to RESULT."""
    with tempfile.TemporaryDirectory(prefix="iro-bench-locust-") as folder:
        spec_path, result_path = Path(folder) / "spec.json", Path(folder) / "result.json"
        spec_path.write_text(json.dumps(spec))
        subprocess.run(
            [sys.executable, str(Path(script).resolve()), "--drive", str(spec_path), str(result_path)],
            check=True,
            timeout=timeout,
        )
        return json.loads(result_path.read_text())


def run_scenario(base_url, scenario, sessions, signed_in_as, seconds, think):
    """One locust run in a child process; its row, or RuntimeError if any request failed."""
    from django.urls import reverse

    wait_until_idle(base_url)
    path = reverse(scenario.url_name)
    result = drive_in_child(
        Path(__file__),
        {
            "base_url": base_url,
            "path": path,
            "name": scenario.page,
            "sessions": sessions,
            "seconds": seconds,
            "think": think,
        },
        timeout=seconds + WARM_UP_SECONDS + 120,
    )
    if result["failures"] or not result["requests"]:
        raise RuntimeError(
            f"{scenario.page} ({path}): {result['failures']} of {result['requests']} requests failed: "
            f"{result['errors']}"
        )
    return {
        "page": scenario.page,
        "path": path,
        "users": len(sessions),
        "signed_in_as": signed_in_as,
        "seconds": seconds,
        "think": think,
        **{key: result[key] for key in ("requests", "failures", "rps", "p50_ms", "p95_ms")},
    }


def drive(spec_path, result_path):
    """Run locust for one page (in the child process) and write what it measured."""
    import gevent
    from locust import FastHttpUser, between, constant, task
    from locust.env import Environment

    spec = json.loads(Path(spec_path).read_text())
    cookie_headers = iter(
        "; ".join(f"{name}={value}" for name, value in cookies.items()) for cookies in spec["sessions"]
    )

    class SignedInUser(FastHttpUser):
        host = spec["base_url"]
        wait_time = between(spec["think"] / 2, spec["think"] * 3 / 2) if spec["think"] else constant(0)

        def on_start(self):
            self.cookie_header = next(cookie_headers)

        @task
        def open_page(self):
            with self.client.get(
                spec["path"],
                name=spec["name"],
                headers={"Cookie": self.cookie_header},
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if not response.status_code:  # no answer within the client's timeout, or the connection failed
                    response.failure(f"no answer: {response.error}")
                elif response.status_code != 200:
                    response.failure(f"{response.status_code} {response.headers.get('Location') or ''}".strip())

    environment = Environment(user_classes=[SignedInUser])
    runner = environment.create_local_runner()
    users = len(spec["sessions"])
    runner.start(users, spawn_rate=users)
    gevent.sleep(WARM_UP_SECONDS)
    environment.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(spec["seconds"])
    entry = environment.stats.get(spec["name"], "GET")
    result = {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": round(entry.num_requests / (time.monotonic() - started), 1),
        "p50_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "errors": [f"{error.error} ({error.occurrences} times)" for error in environment.stats.errors.values()],
    }
    runner.quit()
    Path(result_path).write_text(json.dumps(result))


def print_table(rows):
    print(
        f"{'page':<24} {'path':<20} {'users':>5} {'signed in as':<12} {'requests':>8} {'rps':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'failed':>6}"
    )
    for row in rows:
        print(
            f"{row['page']:<24} {row['path']:<20} {row['users']:>5} {row['signed_in_as']:<12} {row['requests']:>8} "
            f"{row['rps']:>7} {row['p50_ms']:>7} {row['p95_ms']:>7} {row['failures']:>6}"
        )


def measure_pages(seconds=60, users=25, think=0):
    """Each page's requests per second, p50 and p95 latency under `users` concurrent signed-in
    users for `seconds`, as a list of rows (dicts); prints them as a table. Each user waits
    between half and one and a half times `think` seconds after each page, as a reader would;
    with 0 they ask again at once (the server's capacity, latency mostly queueing)."""
    _setup_django()
    iro_usernames, manager_username = demo_accounts(users)
    distinct_iros = len(set(iro_usernames))
    with gunicorn_server() as base_url:
        signed_in = {
            False: (sign_in_all(base_url, iro_usernames), f"{distinct_iros} IRO{'s' if distinct_iros > 1 else ''}"),
            True: (sign_in_all(base_url, [manager_username] * users), "the manager"),
        }
        rows = []
        for scenario in SCENARIOS:
            rows.append(run_scenario(base_url, scenario, *signed_in[scenario.as_manager], seconds, think))
            print(f"{scenario.page}: {rows[-1]['rps']} requests a second, p95 {rows[-1]['p95_ms']} ms", flush=True)
    print_table(rows)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="Measured seconds per page (default 60).")
    parser.add_argument("--users", type=int, default=25, help="Concurrent signed-in users (default 25).")
    parser.add_argument(
        "--think",
        type=float,
        default=0,
        help="Mean seconds each user waits after a page (default 0: ask again at once).",
    )
    parser.add_argument(
        "--drive", nargs=2, metavar=("SPEC", "RESULT"), help="Internal: run one locust scenario in this process."
    )
    args = parser.parse_args()
    if args.drive:
        drive(*args.drive)
    else:
        _setup_django()
        from children.models import Child

        print(f"{Child.objects.count()} children; {os.cpu_count()} cores; gunicorn with {WORKERS} workers")
        measure_pages(seconds=args.seconds, users=args.users, think=args.think)


if __name__ == "__main__":
    main()
