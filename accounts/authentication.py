from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from .api_tokens import KeyRefused, user_for_key


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """ "Authorization: Token <key>" with a key from accounts.ApiToken (stored hashed). A
    read-only token is refused here, for every endpoint alike, when the request would change
    anything."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and found[1].read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied("This token is read-only: it cannot change anything.")
        return found

    def authenticate_credentials(self, key):
        try:
            return user_for_key(key)
        except KeyRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from refused
