"""The list of reviews behind each consultation figure on the dashboard."""

from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import ChildRecordAccessMixin, sees_every_child
from audit.pages import ListPage
from reviews.models import Review
from reviews.selectors import current_iro, reviews_visible_to, with_current_iro

from .figure_filters import ConsultationReviewsFilter
from .figure_selectors import review_day
from .models import CONSULTED_KINDS


class ConsultationReviewsView(ChildRecordAccessMixin, ListPage):
    """Reviews and conferences with the consultation and feedback links sent for them, their
    replies and safety alerts, filtered as the dashboard's figures count them."""

    audited_as = "reviews.review"

    def get(self, request):
        today = timezone.localdate()
        everyone = sees_every_child(request.user)
        reviews = with_current_iro(
            reviews_visible_to(request.user, Review.objects.filter(kind__in=CONSULTED_KINDS), on=today), today
        ).order_by(review_day().desc(), "child__family_name", "id")
        review_filter = ConsultationReviewsFilter(request.GET, queryset=reviews, on=today, show_iro_filter=everyone)
        page = self.page_of(review_filter.qs)
        return render(
            request,
            "consultations/figures/reviews.html",
            {
                "filter": review_filter,
                "page": page,
                "everyone": everyone,
                "rows": [(review, current_iro(review)) for review in page.object_list],
            },
        )
