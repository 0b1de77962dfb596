"""No two periods of one IRO overlap (on PostgreSQL, an exclusion constraint holds under concurrent
writes; staffing.services gives the readable message first); a change to staffing moves the data
version the stored figures are kept against (reporting 0003); and each IRO's history starts from
the FTE they have now, from the day they joined or their first allocation, whichever came first."""

import importlib

from django.db import migrations
from django.db.models import Min

TABLE = "staffing_staffingperiod"


def add_no_overlap_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT staffing_period_no_overlap EXCLUDE USING gist "
        f"(iro_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&)"
    )


def drop_no_overlap_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS staffing_period_no_overlap")


def join_the_data_version_triggers(apps, schema_editor):
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    triggers.join_tables(schema_editor, [TABLE])


def leave_the_data_version_triggers(apps, schema_editor):
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    triggers.leave_tables(schema_editor, [TABLE])


def history_from_current_fte(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    StaffingPeriod = apps.get_model("staffing", "StaffingPeriod")
    first_allocations = dict(
        apps.get_model("children", "Allocation")
        .objects.values_list("iro_id")
        .annotate(first=Min("start_date"))
        .values_list("iro_id", "first")
    )
    StaffingPeriod.objects.bulk_create(
        [
            StaffingPeriod(
                iro_id=iro.pk,
                starts_on=min(filter(None, [iro.date_joined.date(), first_allocations.get(iro.pk)])),
                fte=iro.fte,
            )
            for iro in User.objects.filter(role="iro").exclude(staffing_periods__isnull=False)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("staffing", "0001_staffing_period"),
        ("accounts", "0005_business_support_role"),
        ("children", "0009_placement_postcodes"),
        ("reporting", "0003_data_version_triggers"),
    ]

    operations = [
        migrations.RunPython(add_no_overlap_constraint, drop_no_overlap_constraint),
        migrations.RunPython(join_the_data_version_triggers, leave_the_data_version_triggers),
        migrations.RunPython(history_from_current_fte, migrations.RunPython.noop),
    ]
