"""The pages of a child protection conference's record: a page of sections to check and change
while the conference is due or booked (attendance, parents, plan, core group), each saved as a
draft; completing it is the review's own record page. After an ICPC, the first core group
meeting's date, and a confirmation page once the conference is recorded as held."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from iro_portal.forms import add_service_errors
from iro_portal.locking import refusal_status
from iro_portal.pages import FormPage

from . import conference_selectors, conference_services, selectors
from .conference_forms import AttendeeForm, CoreGroupMemberForm, FirstCoreGroupForm, ParentsForm, PlanForm
from .models import OUTSTANDING_STATUSES, ReviewKind, ReviewStatus
from .views import ReviewMixin


class ConferenceMixin(ReviewMixin):
    """A page of a conference's draft record: for those who may record for the child, while the
    conference is due or booked."""

    records = True
    held = False

    def load(self, request, pk):
        self.review = self.get_review(request, pk)
        if self.review.kind == ReviewKind.LAC:
            raise Http404("A LAC review has no conference record.")
        if not self.held and self.review.status not in OUTSTANDING_STATUSES:
            messages.info(request, f"This conference is {self.review.get_status_display().lower()}.")
            return redirect("reviews:detail", pk=self.review.pk)
        self.record = conference_selectors.conference_record(self.review)
        return None

    @property
    def record_version(self):
        return self.record.version if self.record else 0

    def context(self):
        return {"review": self.review, "record": self.record}


class ConferenceRecordView(ConferenceMixin, View):
    """Every section of the draft with its answers, to check and change, then go on to record the
    conference as held."""

    def get(self, request, pk):
        if (answer := self.load(request, pk)) is not None:
            return answer
        return render(
            request,
            "reviews/conference/record.html",
            {"review": self.review, "change": True, **conference_selectors.record_context(self.review)},
        )


class AddToListPage(ConferenceMixin, FormPage):
    """GOV.UK "add to a list": the people added so far, each with a Remove button, and the form
    adding one more; the page comes back after each, until the user goes back to the record."""

    template_name = ""
    rows_name = ""

    def initial(self):
        return {"version": self.record_version}

    def rows(self):
        return list(getattr(self.record, self.rows_name).all()) if self.record else []

    def context(self):
        return {**super().context(), "rows": self.rows()}

    def post(self, request, *args, **kwargs):
        if "remove" not in request.POST:
            return super().post(request, *args, **kwargs)
        if (answer := self.load(request, *args, **kwargs)) is not None:
            return answer
        form = self.form_class(initial=self.initial())
        try:
            version = int(request.POST.get("version", ""))
            row = next(row for row in self.rows() if str(row.pk) == request.POST["remove"])
        except (ValueError, StopIteration):
            form.add_error(None, "That person is no longer on the list: nothing was removed.")
            return self.show(form, status=400)
        try:
            self.remove(row, version)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.show(form, status=refusal_status(error))
        messages.success(request, f"{row.name} was removed.")
        return redirect(request.path)


class AttendanceView(AddToListPage):
    template_name = "reviews/conference/attendance.html"
    form_class = AttendeeForm
    rows_name = "attendees"

    def context(self):
        context = super().context()
        return {**context, "quorum": conference_selectors.quorum(context["rows"])}

    def save(self, form):
        attendee = conference_services.add_attendee(
            self.review,
            by=self.request.user,
            attendee=form.attendee(),
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        messages.success(self.request, f"{attendee.name} was added to the attendance.")
        return redirect("reviews:conference_attendance", pk=self.review.pk)

    def remove(self, row, version):
        conference_services.remove_attendee(row, by=self.request.user, expected_version=version, request=self.request)


class CoreGroupView(AddToListPage):
    template_name = "reviews/conference/core_group.html"
    form_class = CoreGroupMemberForm
    rows_name = "core_group"

    def save(self, form):
        member = conference_services.add_core_group_member(
            self.review,
            by=self.request.user,
            member=form.member(),
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        messages.success(self.request, f"{member.name} was added to the core group.")
        return redirect("reviews:conference_core_group", pk=self.review.pk)

    def remove(self, row, version):
        conference_services.remove_core_group_member(
            row, by=self.request.user, expected_version=version, request=self.request
        )


class RecordSectionPage(ConferenceMixin, FormPage):
    """One section of the record's own fields, saved as a draft."""

    template_name = "reviews/conference/section.html"
    heading = ""

    def initial(self):
        initial = {"version": self.record_version}
        if self.record:
            initial |= {name: getattr(self.record, name) for name in self.form_class.base_fields if name != "version"}
            if "parents_saw_report" in initial and initial["parents_saw_report"] is not None:
                initial["parents_saw_report"] = "yes" if initial["parents_saw_report"] else "no"
        return initial

    def context(self):
        return {**super().context(), "heading": self.heading}

    def save(self, form):
        conference_services.save_conference_record(
            self.review,
            by=self.request.user,
            fields=form.fields_to_save(),
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        messages.success(self.request, f"{self.heading} saved.")
        return redirect("reviews:conference", pk=self.review.pk)


class ParentsView(RecordSectionPage):
    form_class = ParentsForm
    heading = "The parents"


class PlanSectionView(RecordSectionPage):
    form_class = PlanForm
    heading = "The plan and quorum"


class FirstCoreGroupView(ConferenceMixin, FormPage):
    """The day the first core group meeting after an ICPC that made a plan was held."""

    held = True
    template_name = "reviews/conference/first_core_group.html"
    form_class = FirstCoreGroupForm

    def load(self, request, pk):
        if (answer := super().load(request, pk)) is not None:
            return answer
        if self.review.status != ReviewStatus.HELD or self.record is None or self.record.first_core_group_due is None:
            raise Http404("Only an initial conference that made a plan has a first core group meeting.")
        return None

    def initial(self):
        return {"version": self.record_version, "first_core_group_held": self.record.first_core_group_held}

    def save(self, form):
        conference_services.record_first_core_group(
            self.review,
            by=self.request.user,
            held_on=form.cleaned_data["first_core_group_held"],
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        messages.success(self.request, "The first core group meeting is recorded.")
        return redirect("reviews:detail", pk=self.review.pk)


class ConferenceHeldView(ConferenceMixin, View):
    """The confirmation once a conference is recorded as held: what happens next."""

    held = True

    def get(self, request, pk):
        if (answer := self.load(request, pk)) is not None:
            return answer
        if self.review.status != ReviewStatus.HELD:
            return redirect("reviews:detail", pk=self.review.pk)
        return render(
            request,
            "reviews/conference/held.html",
            {
                **self.context(),
                "next_review": selectors.following_outstanding(self.review).first(),
                "detail_url": reverse("reviews:detail", args=[self.review.pk]),
            },
        )
