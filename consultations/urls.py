"""Staff pages about consultations, under /consultations/: a review's links and replies, the
safety alerts, and the list of links behind each figure of the children's and families' views."""

from django.urls import include, path

from . import figure_views, staff_views

app_name = "consultations"

urlpatterns = [
    path("alerts/", include("consultations.alert_urls")),
    path("links/", figure_views.ConsultationLinksView.as_view(), name="links"),
    path("review/<int:review_pk>/", staff_views.ReviewConsultationView.as_view(), name="review"),
    path("review/<int:review_pk>/send/", staff_views.SendLinksView.as_view(), name="send"),
    path("review/<int:review_pk>/feedback-links/", staff_views.FeedbackLinksView.as_view(), name="feedback_links"),
    path("link/<int:pk>/withdraw/", staff_views.WithdrawLinkView.as_view(), name="withdraw"),
    path("link/<int:pk>/reply/", staff_views.ReplyView.as_view(), name="reply"),
]
