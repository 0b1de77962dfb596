from rest_framework import authentication, exceptions

from .api_tokens import user_for_key


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """"Authorization: Token <key>" with a key from accounts.ApiToken (stored hashed)."""

    def authenticate_credentials(self, key):
        found = user_for_key(key)
        if found is None:
            raise exceptions.AuthenticationFailed("The token is not valid, has been revoked or its user is inactive.")
        return found
