"""The list behind each consultation figure on the dashboard."""

from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import ChildRecordAccessMixin, sees_every_child
from audit.pages import ListPage
from reviews.models import Review
from reviews.selectors import reviews_visible_to

from .figure_filters import ConsultationLinksFilter
from .figure_selectors import SENT, review_day
from .models import CONSULTED_KINDS, ConsultationInvitation


class ConsultationLinksView(ChildRecordAccessMixin, ListPage):
    """Consultation and feedback links sent (not withdrawn), with their replies' score and
    safety alert, filtered as the dashboard's figures count them: a figure of 4 opens 4 rows."""

    audited_as = "reviews.review"

    def get(self, request):
        today = timezone.localdate()
        everyone = sees_every_child(request.user)
        reviews = reviews_visible_to(request.user, Review.objects.filter(kind__in=CONSULTED_KINDS), on=today)
        links = (
            ConsultationInvitation.objects.filter(SENT, review__in=reviews)
            .select_related("review__child", "response__safety_alert")
            .order_by(review_day("review__").desc(), "review__child__family_name", "review_id", "id")
        )
        link_filter = ConsultationLinksFilter(request.GET, queryset=links, on=today, show_iro_filter=everyone)
        page = self.page_of(link_filter.qs, child_id=lambda link: link.review.child_id)
        return render(
            request,
            "consultations/figures/links.html",
            {"filter": link_filter, "page": page, "everyone": everyone},
        )
