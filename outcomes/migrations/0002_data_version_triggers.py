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
    vendor = schema_editor.connection.vendor
    for table in FIGURE_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                triggers.POSTGRESQL_TABLE_TRIGGER.format(events=triggers.postgresql_events(table), table=table)
            )
        elif vendor == "sqlite":
            for name, event in triggers.sqlite_events(table).items():
                schema_editor.execute(triggers.SQLITE_TABLE_TRIGGER.format(table=table, name=name, event=event))


def leave_the_data_version_triggers(apps, schema_editor):
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    vendor = schema_editor.connection.vendor
    for table in FIGURE_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_data_changed ON {table}")
        elif vendor == "sqlite":
            for name in triggers.sqlite_events(table):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_data_changed_{table}_{name}")


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0001_initial"),
        ("reporting", "0003_data_version_triggers"),
    ]

    operations = [migrations.RunPython(join_the_data_version_triggers, leave_the_data_version_triggers)]
