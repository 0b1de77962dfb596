from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from audit.pages import ListPage

from . import services
from .models import Notification


class InboxView(ListPage):
    """Everyone's own reminders, unread first."""

    page_size = 50
    audited_as = "notifications.notification"

    def get(self, request):
        notifications = (
            Notification.objects.filter(recipient=request.user)
            .select_related("child")
            .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
        )
        return render(request, "notifications/inbox.html", {"page": self.page_of(notifications)})


class OpenNotificationView(View):
    """Mark a reminder read and go to what it is about."""

    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        services.mark_read(notification, request.user)
        if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
            return redirect(notification.link)
        return redirect("notifications:inbox")
