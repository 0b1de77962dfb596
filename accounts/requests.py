"""The request type for code that runs only for a signed-in person: django-stubs types
`request.user` as perhaps anonymous, and these functions never see an anonymous one."""

from django.http import HttpRequest

from .models import User


class SignedInRequest(HttpRequest):
    user: User
