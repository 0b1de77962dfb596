"""The shape most form pages take: a form that calls a service (the paged list is audit.pages.ListPage,
since every page of a list shown is recorded in the audit log)."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views import View

from .forms import add_service_errors
from .locking import refusal_status


class FormPage(View):
    """GET shows the form; POST checks it and calls the service through `save`, which returns where
    to go next. The service's errors become the form's (against the field each names; one naming
    no field, such as a change refused because someone else saved the record meanwhile, at the
    top) and the page comes back as a 400, or a 409 when the record was changed by someone else
    since the page was opened (the API's answer to a stale write too).

    `load` fetches what the page is about (refusing with 404 or 403) before either method, and may
    answer instead, for a page that no longer applies (an escalation already closed)."""

    template_name = ""
    form_class: type[forms.BaseForm] | None = None
    renamed_fields: dict[str, str] = {}
    """The service's name for a value, where the form's field for it has another."""

    def load(self, request, *args, **kwargs):
        return None

    def initial(self):
        return {}

    def form_kwargs(self):
        return {}

    def context(self):
        """What the template shows besides the form."""
        return {}

    def save(self, form):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if (answer := self.load(request, *args, **kwargs)) is not None:
            return answer
        return self.show(self.form_class(initial=self.initial(), **self.form_kwargs()))

    def post(self, request, *args, **kwargs):
        if (answer := self.load(request, *args, **kwargs)) is not None:
            return answer
        form = self.form_class(request.POST, request.FILES, **self.form_kwargs())
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            return self.save(form)
        except ValidationError as error:
            add_service_errors(form, error, self.renamed_fields)
            return self.show(form, status=refusal_status(error))

    def show(self, form, status=200):
        return render(self.request, self.template_name, {**self.context(), "form": form}, status=status)
