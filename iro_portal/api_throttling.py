"""The API's throttle, in a module of its own: REST framework imports it while it sets up its
views, so it must not import them (iro_portal.api does)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenOrUserRateThrottle(SimpleRateThrottle):
    """At most API_THROTTLE_RATES["token"] requests per token, whoever's it is, and
    API_THROTTLE_RATES["user"] per person through their browser session; more is a 429 with
    Retry-After. Refused credentials never get this far (authentication answers 401 first)."""

    def __init__(self):
        """The scope, and so the rate, depends on the request: see allow_request."""

    def allow_request(self, request, view):
        if request.auth is not None:
            self.scope = "token"
        elif request.user.is_authenticated:
            self.scope = "user"
        else:
            return True
        self.rate = settings.API_THROTTLE_RATES[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.auth.pk if self.scope == "token" else request.user.pk
        return self.cache_format % {"scope": self.scope, "ident": ident}
