from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from accounts.models import Role, User
from accounts.permissions import ChildRecordAccessMixin, children_visible_to, sees_every_child
from children.models import Child

from . import dashboard, selectors
from .forms import PeriodForm


class DashboardView(ChildRecordAccessMixin, View):
    """The service managers' dashboard for the whole authority; an IRO's own version for the
    children allocated to them."""

    def get(self, request):
        user = request.user
        everyone = sees_every_child(user)
        if not everyone and user.role != Role.IRO:
            raise PermissionDenied("Only service managers, administrators and IROs have a dashboard.")
        today = timezone.localdate()
        form = PeriodForm(request.GET or None, on=today)
        period = form.period()
        if everyone:
            figures = selectors.dashboard(period, today)
        else:
            figures = selectors.dashboard(period, today, children=children_visible_to(user, Child.objects.all(), on=today),
                                          iros=User.objects.filter(pk=user.pk))
        return render(request, "reporting/dashboard.html", {
            "form": form, "period": period, "today": today, "everyone": everyone,
            **dashboard.page_content(figures, period, today),
        }, status=400 if form.is_bound and not form.is_valid() else 200)
