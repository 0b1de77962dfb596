from django.conf import settings
from django.db import models
from django.db.models import F, Q

from children.codes import CategoryOfAbuse
from children.models import Child, ChildProtectionPlan
from iro_portal.dates import format_date
from iro_portal.documents import RenderedDocument, status_constraints
from iro_portal.locking import version_field

from . import timescales


class ReviewKind(models.TextChoices):
    LAC = "LAC", "Looked-after child review"
    ICPC = "ICPC", "Initial child protection conference"
    RCPC = "RCPC", "Review child protection conference"


class ReviewStatus(models.TextChoices):
    DUE = "due", "Due"
    BOOKED = "booked", "Booked"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


OUTSTANDING_STATUSES = (ReviewStatus.DUE, ReviewStatus.BOOKED)


class LateReason(models.TextChoices):
    IRO_UNAVAILABLE = "iro_unavailable", "IRO unavailable"
    AWAITING_ASSESSMENT = "awaiting_assessment", "Awaiting assessment or care plan"
    CHILD_UNAVAILABLE = "child_unavailable", "Child unavailable"
    FAMILY_UNAVAILABLE = "family_unavailable", "Family unavailable"
    OTHER = "other", "Other"


class ParticipationCode(models.TextChoices):
    """SSDA903 REVIEW_CODE (DATA_DICTIONARY.md 2.10)."""

    PN0 = "PN0", "PN0: child under 4 at the time of the review"
    PN1 = "PN1", "PN1: attends and speaks for self"
    PN2 = "PN2", "PN2: attends; an advocate or the IRO speaks for them"
    PN3 = "PN3", "PN3: attends and conveys views non-verbally or symbolically"
    PN4 = "PN4", "PN4: attends but contributes no views"
    PN5 = "PN5", "PN5: does not attend; briefs an advocate or the IRO"
    PN6 = "PN6", "PN6: does not attend; conveys feelings through a facilitative medium"
    PN7 = "PN7", "PN7: does not attend and views not conveyed"


class ParentsParticipation(models.TextChoices):
    ATTENDED = "attended", "Attended"
    VIEWS_GIVEN = "views_given", "Gave views in another way"
    DID_NOT_PARTICIPATE = "did_not_participate", "Did not participate"
    NOT_APPROPRIATE = "not_appropriate", "Not appropriate"


class ConferenceOutcome(models.TextChoices):
    PLAN_MADE = "plan_made", "Child protection plan made"
    NO_PLAN = "no_plan", "No child protection plan needed"
    PLAN_CONTINUES = "plan_continues", "Plan continues"
    PLAN_ENDED = "plan_ended", "Plan ended"


ICPC_OUTCOMES = (ConferenceOutcome.PLAN_MADE, ConferenceOutcome.NO_PLAN)
RCPC_OUTCOMES = (ConferenceOutcome.PLAN_CONTINUES, ConferenceOutcome.PLAN_ENDED)


def calendar_day_of(date_field):
    """A review's working-day calendar row for one of its dates, joined on the date itself."""
    return models.ForeignObject(
        "reviews.CalendarDay",
        from_fields=[date_field],
        to_fields=["day"],
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        editable=False,
    )


class Review(models.Model):
    """A LAC review or a child protection conference, from the day it falls due to the day its
    record is circulated. Due dates come from reviews.timescales and are stored for querying."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=4, choices=ReviewKind.choices)
    number = models.PositiveSmallIntegerField(help_text="1 for the first review in its cycle, and so on.")
    cycle_start = models.DateField(
        help_text="LAC: start of the period of care (or short-break series); ICPC: the strategy discussion; "
        "RCPC: the ICPC that made the plan.",
    )
    protection_plan = models.ForeignKey(
        ChildProtectionPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="conferences"
    )
    due_date = models.DateField(db_index=True)
    brought_forward_by_move = models.DateField(
        null=True, blank=True, help_text="Date of the unplanned placement move that brought this review forward."
    )
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    booked_for = models.DateTimeField(null=True, blank=True)
    times_booked = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a date was booked: more than once means the review was rebooked."
    )
    held_on = models.DateField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="chaired_reviews"
    )
    late_reason = models.CharField(max_length=30, choices=LateReason.choices, blank=True)
    late_reason_other = models.CharField("other reason for lateness", max_length=500, blank=True)

    participation_code = models.CharField(max_length=3, choices=ParticipationCode.choices, blank=True)
    child_chaired = models.BooleanField("child chaired their review", default=False)
    advocate_present = models.BooleanField(default=False)
    interpreter_used = models.BooleanField("interpreter", default=False)
    parents_participation = models.CharField(max_length=20, choices=ParentsParticipation.choices, blank=True)
    child_consulted = models.BooleanField("consultation received from the child", default=False)
    social_worker_report_received = models.DateField(null=True, blank=True)
    decisions_circulated = models.DateField(null=True, blank=True)
    record_circulated = models.DateField("full record circulated", null=True, blank=True)

    conference_outcome = models.CharField(max_length=20, choices=ConferenceOutcome.choices, blank=True)
    category_of_abuse = models.CharField(max_length=3, choices=CategoryOfAbuse.choices, blank=True)

    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every save; an edit of an older version is refused."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The calendar day of each date the quality standards judge, as joins (no column, no
    # constraint): counting standards over a year of reviews then reads the calendar once per
    # query instead of looking up each date of each review (see reviews.working_day_calendar).
    held_on_day = calendar_day_of("held_on")
    social_worker_report_received_day = calendar_day_of("social_worker_report_received")
    decisions_circulated_day = calendar_day_of("decisions_circulated")
    record_circulated_day = calendar_day_of("record_circulated")

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="review_status_due_idx"),
            models.Index(fields=["kind", "held_on"], name="review_kind_held_idx"),
            # With held_on last, "the previous review of this cycle" (whether the IRO saw the child
            # before a review) is one index probe, not a sort of the cycle's reviews.
            models.Index(fields=["child", "kind", "cycle_start", "held_on"], name="review_child_cycle_held_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind"],
                condition=Q(status__in=["due", "booked"]),
                name="review_one_outstanding_per_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=ReviewKind.values), name="review_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="review_status_valid"),
            models.CheckConstraint(
                condition=(Q(status="held") & Q(held_on__isnull=False)) | (~Q(status="held") & Q(held_on__isnull=True)),
                name="review_held_date_iff_held",
            ),
            models.CheckConstraint(
                condition=~Q(status="booked") | Q(booked_for__isnull=False), name="review_booked_has_time"
            ),
            models.CheckConstraint(
                condition=Q(participation_code="") | Q(kind="LAC"), name="review_participation_only_for_lac"
            ),
            models.CheckConstraint(
                condition=Q(conference_outcome="") | ~Q(kind="LAC"), name="review_outcome_only_for_conferences"
            ),
            models.CheckConstraint(
                condition=Q(decisions_circulated__isnull=True) | Q(decisions_circulated__gte=F("held_on")),
                name="review_decisions_after_held",
            ),
            models.CheckConstraint(
                condition=Q(record_circulated__isnull=True) | Q(record_circulated__gte=F("held_on")),
                name="review_record_after_held",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="review_number_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} for {self.child}"

    @property
    def is_outstanding(self):
        return self.status in OUTSTANDING_STATUSES

    @property
    def in_timescale(self):
        if self.held_on is None:
            return None
        return timescales.in_timescale(self.held_on, self.due_date)

    @property
    def title(self):
        if self.kind == ReviewKind.ICPC:
            return "Initial child protection conference"
        if self.kind == ReviewKind.RCPC:
            return f"Review child protection conference {self.number}"
        return f"LAC review {self.number}"

    @property
    def title_in_sentence(self):
        """The title as it reads mid-sentence: conference names in lower case, LAC kept in capitals."""
        return self.title if self.kind == ReviewKind.LAC else self.title[0].lower() + self.title[1:]


class ReviewAction(models.Model):
    """An action agreed at a review, followed up until it is completed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The decision's number in the review's record: Decision 1, 2 and so on."
    )
    description = models.TextField()
    owner_name = models.CharField("owner", max_length=200, blank=True, help_text="Who is responsible, if not a user.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_actions"
    )
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    version = version_field()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(owner_name="") | Q(owner__isnull=False), name="review_action_has_owner"
            ),
            models.UniqueConstraint(fields=["review", "number"], name="review_action_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="review_action_number_positive"),
        ]

    def __str__(self):
        return self.description[:60]

    @property
    def owner_display(self):
        return self.owner_name or (self.owner.get_full_name() if self.owner else "")

    @property
    def title(self):
        return f"Decision {self.number}" if self.number else "Agreed action"


class ActionUpdateKind(models.TextChoices):
    COMPLETED = "completed", "Done"
    DATE_CHANGED = "date_changed", "Date changed"


class ReviewActionUpdate(models.Model):
    """One entry in an agreed action's history: recorded done, or its date changed. Never edited."""

    action = models.ForeignKey(ReviewAction, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=ActionUpdateKind.choices)
    completed_on = models.DateField(null=True, blank=True)
    previous_due_date = models.DateField(null=True, blank=True)
    new_due_date = models.DateField(null=True, blank=True)
    note = models.TextField(help_text="What was done, or why the date changed.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ActionUpdateKind.values), name="action_update_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=ActionUpdateKind.COMPLETED, completed_on__isnull=False, new_due_date__isnull=True)
                | Q(
                    kind=ActionUpdateKind.DATE_CHANGED,
                    completed_on__isnull=True,
                    new_due_date__isnull=False,
                    previous_due_date__isnull=False,
                ),
                name="action_update_fields_match_kind",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="action_update_has_note"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.action}"


class CalendarDay(models.Model):
    """The working-day calendar (iro_portal.working_days) written out as a table, so that the
    dashboard, the lists and the annual report can apply working-day standards inside one SQL
    query. Written by reviews.working_day_calendar after a migrate that finds the bank holidays
    changed; never edited by hand. Unmanaged, as is CalendarFingerprint (their tables come from
    the migrations that made them managed), so that emptying the database, as the tests do
    between transactional tests, keeps the calendar: it is derived from the holidays, not records."""

    day = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    working_days_before = models.PositiveIntegerField(
        help_text="Working days from the calendar's first day up to, not including, this day."
    )
    working_days_through = models.PositiveIntegerField(
        help_text="Working days from the calendar's first day up to and including this day."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(working_days_through=F("working_days_before") + 1, is_working_day=True)
                | Q(working_days_through=F("working_days_before"), is_working_day=False),
                name="calendar_day_counts_consistent",
            ),
        ]
        managed = False

    def __str__(self):
        return f"{format_date(self.day)} ({'working day' if self.is_working_day else 'not a working day'})"


class CalendarFingerprint(models.Model):
    """The fingerprint (iro_portal.working_days.fingerprint) of the bank holidays and the range
    the CalendarDay table was written from, in one row: a different fingerprint has the table
    written again."""

    fingerprint = models.CharField(max_length=64)

    class Meta:
        managed = False

    def __str__(self):
        return self.fingerprint


CONFERENCE_KINDS = (ReviewKind.ICPC, ReviewKind.RCPC)


class ConferenceAgency(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health (health visitor, school nurse or GP)"
    EDUCATION = "education", "School or education"
    PROBATION = "probation", "Probation"
    OTHER = "other", "Other agency"
    FAMILY = "family", "Parent or family member"


class ConferenceAttendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    REPORT = "report", "Sent a report"
    APOLOGIES = "apologies", "Sent apologies"


class PlanView(models.TextChoices):
    PLAN = "plan", "A plan is needed"
    NO_PLAN = "no_plan", "No plan is needed"


class ConferenceParentsParticipation(models.TextChoices):
    ATTENDED = "attended", "Attended"
    CONTRIBUTED = "contributed", "Contributed in another way"
    DID_NOT_TAKE_PART = "did_not_take_part", "Invited but did not take part"
    NOT_INVITED = "not_invited", "Not invited"


PARENTS_REASON_NEEDED = (ConferenceParentsParticipation.DID_NOT_TAKE_PART, ConferenceParentsParticipation.NOT_INVITED)


class ConferenceRecord(models.Model):
    """What a child protection conference's chair records beyond the review's dates and outcome:
    parents' part, the reason a conference went ahead without quorum, the outline plan, the lead
    social worker, and the first core group meeting. Saved as a draft while the conference is due
    or booked; its `kind` repeats the review's so that the database refuses one for a LAC review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="conference_record")
    kind = models.CharField(max_length=4, choices=[(kind.value, kind.label) for kind in CONFERENCE_KINDS])
    parents_participation = models.CharField(max_length=20, choices=ConferenceParentsParticipation.choices, blank=True)
    parents_participation_reason = models.TextField("why the parents did not take part", max_length=2000, blank=True)
    parents_saw_report = models.BooleanField("parents saw the social worker's report", null=True, blank=True)
    parents_saw_report_on = models.DateField("date the parents saw the report", null=True, blank=True)
    quorate = models.BooleanField(
        default=False,
        help_text="Kept by reviews.conference_services from the attendance (conference_selectors.quorum).",
    )
    not_quorate_reason = models.TextField("why the conference went ahead without quorum", max_length=2000, blank=True)
    outline_plan = models.TextField(max_length=10000, blank=True)
    lead_social_worker = models.CharField(max_length=200, blank=True)
    first_core_group_due = models.DateField(
        "first core group meeting due by", null=True, blank=True, help_text="Set when an ICPC makes a plan."
    )
    first_core_group_held = models.DateField("first core group meeting held on", null=True, blank=True)
    version = version_field()

    class Meta:
        indexes = [models.Index(fields=["first_core_group_due"], name="conference_core_group_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in CONFERENCE_KINDS]), name="conference_record_kind"
            ),
            models.CheckConstraint(
                condition=Q(parents_participation="")
                | Q(parents_participation__in=ConferenceParentsParticipation.values),
                name="conference_parents_participation_valid",
            ),
            models.CheckConstraint(
                condition=Q(parents_saw_report_on__isnull=True) | Q(parents_saw_report=True),
                name="conference_report_date_only_if_seen",
            ),
            models.CheckConstraint(
                condition=Q(first_core_group_held__isnull=True) | Q(first_core_group_due__isnull=False),
                name="conference_core_group_held_only_if_due",
            ),
            models.CheckConstraint(
                condition=Q(first_core_group_due__isnull=True) | Q(kind=ReviewKind.ICPC),
                name="conference_first_core_group_only_after_icpc",
            ),
        ]

    def __str__(self):
        return f"Record of {self.review}"

    @property
    def first_core_group_on_time(self):
        if self.first_core_group_held is None or self.first_core_group_due is None:
            return None
        return self.first_core_group_held <= self.first_core_group_due


class ConferenceAttendee(models.Model):
    """One person invited to a conference, the agency they came from, whether they came, and
    their agency's view on a plan (with why, where they dissent from the chair's decision)."""

    record = models.ForeignKey(ConferenceRecord, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(max_length=200)
    agency = models.CharField(max_length=20, choices=ConferenceAgency.choices)
    agency_other = models.CharField("other agency", max_length=200, blank=True)
    attendance = models.CharField(max_length=20, choices=ConferenceAttendance.choices)
    view_on_plan = models.CharField(max_length=10, choices=PlanView.choices, blank=True)
    dissent_reason = models.TextField("why they dissent from the decision", max_length=2000, blank=True)
    version = version_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(agency__in=ConferenceAgency.values), name="conference_attendee_agency"),
            models.CheckConstraint(
                condition=Q(attendance__in=ConferenceAttendance.values), name="conference_attendee_attendance"
            ),
            models.CheckConstraint(
                condition=~Q(agency=ConferenceAgency.OTHER) | ~Q(agency_other=""),
                name="conference_attendee_other_described",
            ),
            models.CheckConstraint(
                condition=Q(view_on_plan="")
                | (Q(view_on_plan__in=PlanView.values) & ~Q(agency=ConferenceAgency.FAMILY)),
                name="conference_attendee_view_from_agency",
            ),
            models.CheckConstraint(
                condition=Q(dissent_reason="") | ~Q(view_on_plan=""), name="conference_dissent_has_view"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.agency_display})"

    @property
    def agency_display(self):
        return self.agency_other if self.agency == ConferenceAgency.OTHER else self.get_agency_display()


class CoreGroupMember(models.Model):
    """A member of the core group that carries out the child protection plan between conferences."""

    record = models.ForeignKey(ConferenceRecord, on_delete=models.CASCADE, related_name="core_group")
    name = models.CharField(max_length=200)
    agency = models.CharField(max_length=20, choices=ConferenceAgency.choices)
    agency_other = models.CharField("other agency", max_length=200, blank=True)
    version = version_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(agency__in=ConferenceAgency.values), name="core_group_member_agency"),
            models.CheckConstraint(
                condition=~Q(agency=ConferenceAgency.OTHER) | ~Q(agency_other=""),
                name="core_group_member_other_described",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.agency_display})"

    @property
    def agency_display(self):
        return self.agency_other if self.agency == ConferenceAgency.OTHER else self.get_agency_display()


class ReviewDocumentKind(models.TextChoices):
    CONFERENCE_RECORD = "conference_record", "Conference record"
    PARENTS_COPY = "parents_copy", "Parents' copy of the conference record"
    REVIEW_RECORD = "review_record", "Review record"
    CHILD_LETTER = "child_letter", "Letter to the child"


DOCUMENT_KINDS_BY_REVIEW: dict[str, tuple[str, ...]] = {
    ReviewKind.LAC: (ReviewDocumentKind.REVIEW_RECORD, ReviewDocumentKind.CHILD_LETTER),
    ReviewKind.ICPC: (ReviewDocumentKind.CONFERENCE_RECORD, ReviewDocumentKind.PARENTS_COPY),
    ReviewKind.RCPC: (ReviewDocumentKind.CONFERENCE_RECORD, ReviewDocumentKind.PARENTS_COPY),
}


class ReviewDocument(RenderedDocument):
    """A document made from a held review's record, as it stood at one version of the review: the
    HTML is rendered and kept when it is asked for (so the page and the PDF show the same words
    even if the record is corrected later, when a new document is made) and a Celery task turns
    it into the PDF."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=ReviewDocumentKind.choices)
    review_version = models.PositiveIntegerField(help_text="The review's version the document was made from.")
    html = models.TextField(editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReviewDocumentKind.values), name="review_document_kind_valid"),
            *status_constraints("review_document"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of the {self.review.title_in_sentence}"

    @property
    def title(self):
        if self.kind == ReviewDocumentKind.PARENTS_COPY:
            return f"What was decided at the {self.review.title_in_sentence}"
        if self.kind == ReviewDocumentKind.CHILD_LETTER:
            return f"Letter to {self.review.child.given_name}"
        return f"Record of the {self.review.title_in_sentence}"

    @property
    def filename(self):
        return f"{self.kind.replace('_', '-')}-{self.review.kind.lower()}-{self.review.number}-{self.pk}.pdf"


class CirculationMethod(models.TextChoices):
    SECURE_EMAIL = "secure_email", "Secure email"
    POST = "post", "Post"
    BY_HAND = "by_hand", "By hand"
    PORTAL = "portal", "Shared through a case management system"


class RecipientRole(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    CHILD = "child", "The child"
    AGENCY = "agency", "Agency or professional"
    OTHER = "other", "Someone else"


class Circulation(models.Model):
    """One sending of a review document, to one or more recipients, on one day. The day fills
    the review's record_circulated and decisions_circulated dates (the earliest sending counts),
    which the quality standards judge."""

    document = models.ForeignKey(ReviewDocument, on_delete=models.CASCADE, related_name="circulations")
    sent_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = version_field()

    class Meta:
        ordering = ["document_id", "sent_on", "id"]

    def __str__(self):
        return f"{self.document} sent on {format_date(self.sent_on)}"


class CirculationRecipient(models.Model):
    """Someone a document went to, and how."""

    circulation = models.ForeignKey(Circulation, on_delete=models.CASCADE, related_name="recipients")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=10, choices=RecipientRole.choices)
    agency = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=20, choices=CirculationMethod.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=RecipientRole.values), name="circulation_recipient_role"),
            models.CheckConstraint(
                condition=Q(method__in=CirculationMethod.values), name="circulation_recipient_method"
            ),
            models.CheckConstraint(
                condition=~Q(role=RecipientRole.AGENCY) | ~Q(agency=""), name="circulation_recipient_agency_named"
            ),
        ]

    def __str__(self):
        return self.name


from . import letter_models, record_models  # noqa: E402, F401 - the working record's models, registered with the app here
