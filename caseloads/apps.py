from django.apps import AppConfig


class CaseloadsConfig(AppConfig):
    """The IRO's caseload: children with their next review, plan rating and open escalation, on
    the pages and in the API (the children list, the caseload, the child's page). It sits above
    children, reviews, oversight and escalations, so that none of them imports another to show a
    child's whole picture. It has no models of its own."""

    name = "caseloads"
    verbose_name = "Caseloads"
