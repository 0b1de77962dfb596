"""The review documents' pages, joined to reviews.urls (the "reviews" namespace)."""

from django.urls import path

from . import document_views as views
from .letter_views import LetterView

urlpatterns = [
    path("<int:pk>/documents/", views.CreateDocumentView.as_view(), name="create_document"),
    path("<int:pk>/letter/", LetterView.as_view(), name="letter"),
    path("documents/<int:pk>/", views.DocumentView.as_view(), name="document"),
    path("documents/<int:pk>/pdf/", views.DocumentPdfView.as_view(), name="document_pdf"),
    path("documents/<int:pk>/sent/", views.CirculationView.as_view(), name="document_circulation"),
    path("documents/<int:pk>/sent/<int:circulation>/", views.CirculationSentView.as_view(), name="document_sent"),
]
