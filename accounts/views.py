from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .forms import SignInForm
from .models import Role
from .permissions import may_manage_allocations, may_read_published_reports


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@method_decorator(never_cache, name="dispatch")
class SignOutView(auth_views.LogoutView):
    pass


def home(request):
    """Send each role to the page it starts from."""
    user = request.user
    if user.role == Role.IRO:
        return redirect("children:caseload")
    if may_manage_allocations(user):
        return redirect("reporting:dashboard")
    if may_read_published_reports(user):
        return redirect("reporting:annual_reports")
    return render(request, "accounts/home.html")
