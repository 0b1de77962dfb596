"""Recording a LAC review as the IRO does, through its task list: the test helpers the page
tests share."""

from django.urls import reverse

from reviews.record_models import ReviewRecord
from tests.factories import record_attendance_and_views


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def record_version(review):
    """The version the task pages of a review not yet held save from: its working record's."""
    record = ReviewRecord.objects.filter(review=review).first()
    return record.version if record else 0


def decision_rows(*decisions):
    """The decisions page's rows: (description, owner, due date), a blank row for None."""
    data = {"actions-TOTAL_FORMS": str(len(decisions)), "actions-INITIAL_FORMS": "0"}
    for index, decision in enumerate(decisions):
        if decision:
            description, owner, due = decision
            data.update(
                {
                    f"actions-{index}-description": description,
                    f"actions-{index}-owner_name": owner,
                    **date_fields(f"actions-{index}-due_date", due),
                }
            )
    return data


def save_task(client, review, task, data, version=None):
    """Save one task page of the draft, from the version now saved unless told otherwise."""
    url = reverse(f"reviews:record_{task}", args=[review.pk])
    return client.post(url, {"version": record_version(review) if version is None else version, **data})


def draft_review(client, review, held, *, code="PN1", decisions=(), meeting=None, **participation):
    """Save the meeting, the decisions and the participation to the draft from their pages
    (who came and the child's views straight to the record), each page answered with a
    redirect to the task list. A code other than the one suggested is confirmed."""
    record_attendance_and_views(review)
    answers = {
        "meeting": {**date_fields("held_on", held), **(meeting or {})},
        "decisions": decision_rows(*decisions),
        "participation": {
            "participation_code": code,
            "parents_participation": "attended",
            "confirm_code": "on",
            **participation,
        },
    }
    for task, data in answers.items():
        response = save_task(client, review, task, data)
        assert response.status_code == 302, (task, response.content.decode()[:3000])


def complete(client, review, version=None, **kwargs):
    """Complete the review from check your answers."""
    url = reverse("reviews:record_check", args=[review.pk])
    return client.post(url, {"version": record_version(review) if version is None else version}, **kwargs)


def record_held(client, review, held, **answers):
    """Draft the review then complete it: the answer to completing."""
    follow = answers.pop("follow", False)
    draft_review(client, review, held, **answers)
    return complete(client, review, follow=follow)
