"""The words and phrases a service watches for in consultation replies: a reply using one raises
a safety alert (consultations.alerts). Kept in lower case with single spaces, each once."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from iro_portal.locking import version_field


class WatchedPhrase(models.Model):
    """One word or phrase, matched whole and in any case ("hurt" does not match "hurtle")."""

    phrase = models.CharField(max_length=100, unique=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    version = version_field()

    class Meta:
        ordering = ["phrase"]
        constraints = [
            models.CheckConstraint(condition=~Q(phrase=""), name="watched_phrase_not_blank"),
            models.CheckConstraint(condition=Q(phrase=Lower("phrase")), name="watched_phrase_lower_case"),
        ]

    def __str__(self):
        return self.phrase
