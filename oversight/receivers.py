from django.dispatch import receiver

from children.signals import care_record_changed

from .services import end_in_contact_plan_when_care_ends


@receiver(care_record_changed)
def follow_care_record(sender, child, **kwargs):
    end_in_contact_plan_when_care_ends(child)
