"""The sign-in lock-out (django-axes), ahead of the password check."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses sign-in for a locked-out username or address before the password is checked.

    Every sign-in over the web comes with a request (the sign-in page, the admin site's). Code that
    authenticates without one (Django's test client, a shell) has no client to lock out, so it goes
    on to the password check instead of failing as axes' own backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
