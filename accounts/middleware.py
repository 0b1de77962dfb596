"""Sessions that end after 30 idle minutes, and holding a person who has given their password at
the second step until they have finished it."""

import time

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from .selectors import CODE, SETUP

PENDING_STEP_SESSION_KEY = "second_factor_step"
STEP_URL_NAMES = {CODE: "sign_in_code", SETUP: "two_factor"}
LAST_ACTIVITY_SESSION_KEY = "last_activity"
ACTIVITY_SAVE_INTERVAL_SECONDS = 60


def note_activity(session):
    """Saving a session moves its expiry (SESSION_COOKIE_AGE) on; a signed-in session is saved
    when a minute has passed since it last was, so it ends 29 to 30 minutes after the person's
    last request. Saving on every request (SESSION_SAVE_EVERY_REQUEST) would write to the
    database on every page for no better timing."""
    if session.get(SESSION_KEY) is None:
        return
    now = int(time.time())
    if now - session.get(LAST_ACTIVITY_SESSION_KEY, 0) >= ACTIVITY_SAVE_INTERVAL_SECONDS:
        session[LAST_ACTIVITY_SESSION_KEY] = now


class IdleSessionMiddleware:
    """After SessionMiddleware, so that the session is saved after this has marked it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A request that never read the session (a public page such as /healthz) is no activity.
        if request.session.accessed:
            note_activity(request.session)
        return response


def allowed_before_second_factor(*steps):
    """Marks a view a person may open while `steps` (selectors.CODE, SETUP) is still pending:
    that step's own page, and signing out."""

    def mark(view):
        view.allowed_before_second_factor = frozenset(steps)
        return view

    return mark


def pending_step(request):
    """The step (selectors.CODE or SETUP) this session's user has still to finish, or ""."""
    if not request.user.is_authenticated:
        return ""
    return request.session.get(PENDING_STEP_SESSION_KEY, "")


class SecondFactorMiddleware:
    """Until the step is done, every other page, the admin site and the API included, sends the
    person to it (and back to where they were going afterwards). The step is decided once, at
    sign-in (accounts.signals), so pages cost no extra query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        step = pending_step(request)
        if not step or step in getattr(view_func, "allowed_before_second_factor", ()):
            return None
        return redirect_to_login(request.get_full_path(), reverse(STEP_URL_NAMES[step]))
