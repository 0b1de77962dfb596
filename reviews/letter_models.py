"""The letter to the child after a LAC review: the words the IRO settled on, kept server-side
so the document is made from them (reviews.letter_services)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from iro_portal.locking import version_field


class ChildLetter(models.Model):
    """The IRO's edited letter to the child about one held LAC review (plain text, shown escaped)."""

    review = models.OneToOneField("reviews.Review", on_delete=models.CASCADE, related_name="child_letter")
    text = models.TextField(max_length=10000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    version = version_field()

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="child_letter_has_text")]

    def __str__(self):
        return f"Letter to the child after {self.review}"
