from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from audit.pages import ListPage

from . import services
from .models import Notification
from .selectors import in_inbox_order


class InboxView(ListPage):
    """Everyone's own reminders, unread safety alerts first, then the other unread ones."""

    page_size = 50
    audited_as = "notifications.notification"

    def get(self, request):
        notifications = in_inbox_order(Notification.objects.filter(recipient=request.user).select_related("child"))
        return render(request, "notifications/inbox.html", {"page": self.page_of(notifications)})


class OpenNotificationView(View):
    """Mark a reminder read and go to what it is about."""

    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        services.mark_read(notification, request.user)
        if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
            return redirect(notification.link)
        return redirect("notifications:inbox")
