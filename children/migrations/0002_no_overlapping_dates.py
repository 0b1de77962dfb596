"""On PostgreSQL, exclusion constraints stop a child's episodes, plans or allocations from
overlapping even under concurrent writes; services give the readable message first."""

from django.db import migrations

TABLES = {
    "children_careepisode": "episode_no_overlap",
    "children_childprotectionplan": "protection_plan_no_overlap",
    "children_allocation": "allocation_no_overlap",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, name in TABLES.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"(child_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in TABLES.items():
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("children", "0001_initial")]
    operations = [migrations.RunPython(add_constraints, drop_constraints)]
