from django.shortcuts import render

PUBLIC_NAMESPACES = {"have_your_say": "consultations/public/403_csrf.html"}
"""Pages for people without an account have their own CSRF refusal, without the staff's header."""


def csrf_failure(request, reason=""):
    namespace = getattr(request.resolver_match, "namespace", "")
    return render(request, PUBLIC_NAMESPACES.get(namespace, "403_csrf.html"), status=403)
