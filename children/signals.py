"""What the children app tells the apps above it, which it may not import."""

from django.dispatch import Signal

care_record_changed = Signal()
"""Sent by children.services after it saves a change to a child's care episodes, strategy
discussions or child protection plans, with sender=Child and child=the child. Receivers run at
once, inside the transaction of the change, in the order of their apps in INSTALLED_APPS; an
exception from one undoes the whole change. They keep what follows from the care record in step:

- reviews.receivers.follow_care_record (connected in ReviewsConfig.ready()): moves the child's
  outstanding LAC reviews, initial and review conferences to their new due dates
  (reviews.services.reschedule);
- oversight.receivers.follow_care_record (connected in OversightConfig.ready()): ends the child's
  In-Contact plan on the day care ended, when it has
  (oversight.services.end_in_contact_plan_when_care_ends)."""
