import importlib

from django.db import migrations

FIGURE_TABLES = (
    "consultations_consultationinvitation",
    "consultations_consultationresponse",
    "consultations_safetyalert",
)


def join_the_data_version_triggers(apps, schema_editor):
    """Links, replies and alerts are counted on the dashboard and in the annual report, so a change
    to them moves the data version their stored figures are kept against (reporting 0003)."""
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    triggers.join_tables(schema_editor, FIGURE_TABLES)


def leave_the_data_version_triggers(apps, schema_editor):
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    triggers.leave_tables(schema_editor, FIGURE_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0003_staff_feedback_follows"),
        ("reporting", "0003_data_version_triggers"),
    ]

    operations = [migrations.RunPython(join_the_data_version_triggers, leave_the_data_version_triggers)]
