from django.dispatch import Signal

# Sent inside the transaction of every change to a child's episodes, strategy discussions or
# protection plans, with `child`: the review schedule (reviews.receivers) follows the record.
care_record_changed = Signal()
