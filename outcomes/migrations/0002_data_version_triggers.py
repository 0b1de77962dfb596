import importlib

from django.db import migrations

FIGURE_TABLES = (
    "outcomes_healthrecord",
    "outcomes_careleaverrecord",
    "outcomes_missingepisode",
    "outcomes_adoptiondecision",
    "outcomes_adoption",
    "outcomes_previouspermanence",
)


def join_the_data_version_triggers(apps, schema_editor):
    """Health, care leavers, missing and adoption are counted on the dashboard and in the annual
    report, so a change to them moves the data version their stored figures are kept against
    (reporting 0003)."""
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    triggers.join_tables(schema_editor, FIGURE_TABLES)


def leave_the_data_version_triggers(apps, schema_editor):
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    triggers.leave_tables(schema_editor, FIGURE_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_initial"),
        ("reporting", "0003_data_version_triggers"),
    ]

    operations = [migrations.RunPython(join_the_data_version_triggers, leave_the_data_version_triggers)]
