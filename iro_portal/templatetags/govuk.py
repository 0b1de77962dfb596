"""Render Django form fields and pages with GOV.UK Design System markup."""

from django import forms, template

from iro_portal.dates import format_date, format_datetime
from iro_portal.forms import GovukDateInput, TypeAheadSelect, row_message
from iro_portal.keyset import CURSOR_PARAM
from iro_portal.words import with_article

register = template.Library()


@register.filter
def day(value):
    """A date as people read it: '21 May 2025' (iro_portal/dates.py)."""
    return format_date(value)


@register.filter(name="with_article")
def with_article_filter(phrase):
    """'an administrator', 'a service manager' (iro_portal/words.py)."""
    return with_article(str(phrase))


@register.filter
def day_and_time(value, seconds=False):
    """A date and time in UK time: '21 May 2025, 09:15', with seconds given `"seconds"`."""
    return format_datetime(value, seconds=bool(seconds))


def _kind(widget):
    if isinstance(widget, GovukDateInput):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # a subclass of RadioSelect: test it first
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


def _selected_values(field):
    value = field.value()
    if value is None:
        return set()
    if isinstance(value, (list, tuple)):
        return {str(item) for item in value}
    return {str(value)}


@register.inclusion_tag("govuk/field.html")
def govuk_field(field, classes="", label_size="s", heading=False, autofocus=False):
    widget = field.field.widget
    kind = _kind(widget)
    context = {
        "field": field,
        "autofocus": autofocus,
        "kind": kind,
        "classes": classes,
        "label_size": label_size,
        "heading": heading,
        "input_type": getattr(widget, "input_type", "text"),
        "type_ahead": isinstance(widget, TypeAheadSelect),
        "hint_id": f"{field.auto_id}-hint" if field.help_text else "",
        "error_id": f"{field.auto_id}-error" if field.errors else "",
    }
    if kind == "date":
        value = field.value()
        parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
        context["date_parts"] = [
            {"suffix": suffix, "label": label, "value": part or "", "width": width}
            for (suffix, label, width), part in zip(
                (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4)), parts
            )
        ]
    if kind in {"select", "radios", "checkboxes"}:
        selected = _selected_values(field)
        options = [
            {"value": "" if value is None else str(value), "label": label, "selected": str(value) in selected}
            for value, label in field.field.choices
        ]
        if kind != "select":
            options = [option for option in options if option["value"]]
        context["options"] = options
    return context


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(*forms_to_check):
    errors = []
    flattened = []
    for form in forms_to_check:
        if hasattr(form, "non_form_errors"):
            errors.extend({"href": "#main-content", "message": message} for message in form.non_form_errors())
            row_name = getattr(form, "row_name", None)
            flattened.extend((subform, row_name and (row_name, number)) for number, subform in enumerate(form.forms, 1))
        else:
            flattened.append((form, None))
    for form, row in flattened:
        if form is None or not form.errors:
            continue
        for message in form.non_field_errors():
            errors.append({"href": "#main-content", "message": row_message(*row, message) if row else message})
        for field in form:
            for message in field.errors:
                target = field.auto_id
                if isinstance(field.field.widget, GovukDateInput):
                    target = f"{field.auto_id}_day"
                errors.append({"href": f"#{target}", "message": row_message(*row, message) if row else message})
    return {"errors": errors}


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced: keeps filters and sort across pages.
    Any other change (a sort, a filter) starts the list again at its first page: the cursor goes
    unless it is the change."""
    query = context["request"].GET.copy()
    query.pop(CURSOR_PARAM, None)
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def page_numbers(page):
    """Page numbers around the current page, with None where the GOV.UK pagination shows an ellipsis."""
    return [
        None if number == page.paginator.ELLIPSIS else number
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


class TableNode(template.Node):
    """A block tag's table: its template, given the tag's arguments and the rows the block holds."""

    def __init__(self, template_name, nodelist, values, options):
        self.template_name, self.nodelist, self.values, self.options = template_name, nodelist, values, options

    def render(self, context):
        table = {name: value.resolve(context) for name, value in self.options.items()}
        table["values"] = [value.resolve(context) for value in self.values]
        table["rows"] = self.nodelist.render(context)
        with context.push(table):
            return context.template.engine.get_template(self.template_name).render(context)


def _table_tag(parser, token, template_name):
    bits = token.split_contents()
    options = template.base.token_kwargs([bit for bit in bits[1:] if "=" in bit], parser)
    values = [parser.compile_filter(bit) for bit in bits[1:] if "=" not in bit]
    nodelist = parser.parse((f"end{bits[0]}",))
    parser.delete_first_token()
    return TableNode(template_name, nodelist, values, options)


@register.tag
def numeric_table(parser, token):
    """{% numeric_table "Caption" "Rows are" "Count" ... size="m" region="id" %}rows{% endnumeric_table %}:
    a table of counts whose first column names the row and the others are numbers. `region` makes it
    a scrollable region labelled by its caption (the caption's id)."""
    return _table_tag(parser, token, "govuk/numeric_table.html")


@register.tag
def list_table(parser, token):
    """{% list_table "Label" %}caption, head and body{% endlist_table %}: a list's table, a scrollable
    region with that label, then the links to the list's other pages."""
    return _table_tag(parser, token, "govuk/list_table.html")
