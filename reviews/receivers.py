from django.dispatch import receiver

from children.signals import care_record_changed

from .services import reschedule


@receiver(care_record_changed)
def follow_care_record(sender, child, **kwargs):
    reschedule(child)
