from django.urls import path

from . import staff_views

app_name = "consultations"

urlpatterns = [
    path("review/<int:review_pk>/", staff_views.ReviewConsultationView.as_view(), name="review"),
    path("review/<int:review_pk>/send/", staff_views.SendLinksView.as_view(), name="send"),
    path("review/<int:review_pk>/feedback-links/", staff_views.FeedbackLinksView.as_view(), name="feedback_links"),
    path("link/<int:pk>/withdraw/", staff_views.WithdrawLinkView.as_view(), name="withdraw"),
    path("link/<int:pk>/reply/", staff_views.ReplyView.as_view(), name="reply"),
]
