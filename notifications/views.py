from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from audit.services import record_list_view

from . import services
from .models import Notification


class InboxView(View):
    """Everyone's own reminders, unread first."""

    def get(self, request):
        notifications = (
            Notification.objects.filter(recipient=request.user).select_related("child")
            .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
        )
        page = Paginator(notifications, 50).get_page(request.GET.get("page"))
        record_list_view(request, object_type="notifications.notification", page_number=page.number,
                         child_ids=[notification.child_id for notification in page.object_list])
        return render(request, "notifications/inbox.html", {"page": page})


class OpenNotificationView(View):
    """Mark a reminder read and go to what it is about."""

    def post(self, request, pk):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        services.mark_read(notification, request.user)
        if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
            return redirect(notification.link)
        return redirect("notifications:inbox")
