"""What the reviews app tells the apps above it, which it may not import."""

from django.dispatch import Signal

review_held = Signal()
"""Sent by reviews.services.record_review_held once the transaction recording a LAC review or a
conference as held has committed (every way of completing one goes through it), with
sender=Review and review=the review. Receivers run after the commit, so a failure in one cannot
undo the record:

- consultations.receivers.send_feedback_links (connected in ConsultationsConfig.ready()): emails
  a feedback link to everyone whose consultation link for the review was emailed."""
