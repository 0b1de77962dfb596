from base64 import b32encode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from . import services
from .api_tokens import create_api_token, revoke_api_token
from .context_processors import service_tools
from .forms import ApiTokenForm, ChangePasswordForm, OneTimeCodeForm, SignInForm
from .middleware import PENDING_STEP_SESSION_KEY, allowed_before_second_factor, pending_step
from .models import ApiToken, Role
from .permissions import (
    AllocationManagerRequiredMixin,
    may_create_api_tokens,
    may_enter_child_data,
    may_manage_allocations,
    may_read_published_reports,
)
from .qr import qr_code_svg
from .selectors import CODE, SETUP, api_tokens_of, confirmed_totp_device, two_factor_required

CODE_ERRORS = {
    services.WRONG: "The code is not correct. Enter the code your app shows now",
    services.WAIT: "You have entered wrong codes. Wait a few seconds, then enter the code your app shows now",
}


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@method_decorator([never_cache, allowed_before_second_factor(CODE, SETUP)], name="dispatch")
class SignOutView(auth_views.LogoutView):
    next_page = "signed_out"


@method_decorator([never_cache, login_not_required], name="dispatch")
class SignedOutView(TemplateView):
    """Where signing out ends: it says so, and offers to sign in again. Someone signed in (the
    page bookmarked, or opened in another tab) goes to their home page."""

    template_name = "accounts/signed_out.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().get(request, *args, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows (AXES_LOCKOUT_CALLABLE) instead of the sign-in form once a username
    or an address is locked out: 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"cool_off_minutes": minutes}, status=429)


@method_decorator([never_cache, allowed_before_second_factor(CODE)], name="dispatch")
class SignInCodeView(auth_views.RedirectURLMixin, FormView):
    """The second step of signing in for someone with an authenticator app."""

    template_name = "accounts/sign_in_code.html"
    form_class = OneTimeCodeForm
    next_page = settings.LOGIN_REDIRECT_URL

    def dispatch(self, request, *args, **kwargs):
        if pending_step(request) != CODE:
            return redirect(self.get_success_url())
        self.device = confirmed_totp_device(request.user)
        if self.device is None:
            # An administrator removed the app since the password step.
            if two_factor_required(request.user):
                request.session[PENDING_STEP_SESSION_KEY] = SETUP
            else:
                services.finish_sign_in(request, request.user)
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        outcome = services.check_sign_in_code(self.request, self.device, form.cleaned_data["code"])
        if outcome == services.VERIFIED:
            return redirect(self.get_success_url())
        if outcome == services.LOCKED:
            logout(self.request)
            return locked_out(self.request)
        form.add_error("code", CODE_ERRORS[outcome])
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, next=self.get_redirect_url())


@method_decorator([never_cache, allowed_before_second_factor(SETUP)], name="dispatch")
class TwoFactorView(auth_views.RedirectURLMixin, FormView):
    """Set up an authenticator app (compulsory for the roles in OTP_REQUIRED_ROLES, otherwise
    voluntary), or see that it is on and, where the role allows, turn it off."""

    template_name = "accounts/two_factor.html"
    form_class = OneTimeCodeForm
    next_page = "account"

    def dispatch(self, request, *args, **kwargs):
        self.device = confirmed_totp_device(request.user)
        self.required = two_factor_required(request.user)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.device is not None:
            if "turn_off" in request.POST and not self.required:
                services.turn_off_two_factor(request)
                messages.success(request, "Two-factor authentication is off.")
            return redirect("two_factor")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        setup = services.start_totp_setup(self.request.user)
        outcome = services.confirm_totp_device(self.request, setup, form.cleaned_data["code"])
        if outcome == services.VERIFIED:
            messages.success(
                self.request,
                "Two-factor authentication is on. You will be asked for a code from your app each time you sign in.",
            )
            return redirect(self.get_success_url())
        form.add_error("code", CODE_ERRORS[outcome])
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            **kwargs, device=self.device, required=self.required, next=self.get_redirect_url()
        )
        if self.device is None:
            setup = services.start_totp_setup(self.request.user)
            key = b32encode(setup.bin_key).decode()
            context["secret_key"] = " ".join(key[index : index + 4] for index in range(0, len(key), 4))
            context["qr_code"] = qr_code_svg(setup.config_url, "QR code to scan with your authenticator app")
        return context


class ManageServiceView(AllocationManagerRequiredMixin, TemplateView):
    """The pages a manager uses now and then, one link each, off the service navigation."""

    template_name = "accounts/manage_service.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, tools=service_tools(self.request.user))


class AccountView(TemplateView):
    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            **kwargs,
            two_factor_on=confirmed_totp_device(user) is not None,
            two_factor_required=two_factor_required(user),
        )


class ApiTokensView(TemplateView):
    """The person's own API tokens, each revocable while it works."""

    template_name = "accounts/api_tokens.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            **kwargs,
            tokens=api_tokens_of(user),
            may_create=may_create_api_tokens(user),
            two_factor_on=confirmed_totp_device(user) is not None,
        )


@method_decorator(never_cache, name="dispatch")
class NewApiTokenView(FormView):
    """Create a token for yourself, from a session that has given a one-time code; the key is
    shown on the confirmation page that answers the form, and never again."""

    template_name = "accounts/api_token_new.html"
    form_class = ApiTokenForm

    def dispatch(self, request, *args, **kwargs):
        if not may_create_api_tokens(request.user):
            return render(
                request,
                "accounts/api_token_needs_two_factor.html",
                {"two_factor_on": confirmed_totp_device(request.user) is not None},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "max_days": settings.API_TOKEN_MAX_DAYS}

    def get_initial(self):
        return {"days": settings.API_TOKEN_DEFAULT_DAYS}

    def form_valid(self, form):
        data = form.cleaned_data
        token, key = create_api_token(
            self.request.user,
            name=data["name"],
            days=data["days"],
            read_only=data["access"] == ApiTokenForm.READ_ONLY,
            by=self.request.user,
            request=self.request,
        )
        return render(self.request, "accounts/api_token_created.html", {"token": token, "key": key})

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


@require_POST
def revoke_own_api_token(request, pk):
    """Revoking only takes access away, so it needs no one-time code; only your own tokens."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    revoke_api_token(token, by=request.user, request=request)
    messages.success(request, f"The token “{token.name}” is revoked: nothing can use the API with it any more.")
    return redirect("api_tokens")


class ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    form_class = ChangePasswordForm
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_password_change(self.request.user, self.request)
        return response


class PasswordChangedView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def home(request):
    """Send each role to the page it starts from."""
    user = request.user
    if user.role == Role.IRO:
        return redirect("children:caseload")
    if may_manage_allocations(user):
        return redirect("reporting:dashboard")
    if may_read_published_reports(user):
        return redirect("reporting:annual_reports")
    if may_enter_child_data(user):
        return redirect("children:list")
    return render(request, "accounts/home.html")
