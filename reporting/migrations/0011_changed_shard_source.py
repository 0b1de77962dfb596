"""The triggers of migration reporting 0010 note the table changed beside the shard, so that a
fold counts again only the tallies that read it (an oversight record moves a few tallies, not
every one). A change noted before this migration has no table: a fold counts every tally of
its shard again."""

import importlib

from django.db import migrations, models

marks = importlib.import_module("reporting.migrations.0010_maintained_figures")


def shards_of(table, rows):
    child, joins = marks.CHILD_OF[table]
    child = child.format(row=rows)
    return (
        f"SELECT DISTINCT {child} / {marks.SHARD_WIDTH}, '{table}' FROM {{source}} {joins.format(row=rows)} "
        f"WHERE {child} IS NOT NULL"
    )


def postgresql_function(table):
    select = shards_of(table, "changed")
    return f"""
CREATE FUNCTION reporting_mark_{table}() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO reporting_changedshard (shard, source) {select.format(source="new_rows changed")};
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO reporting_changedshard (shard, source) {select.format(source="old_rows changed")};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reporting_mark_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_mark_{table}();
CREATE TRIGGER reporting_mark_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_mark_{table}();
CREATE TRIGGER reporting_mark_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_mark_{table}();
CREATE TRIGGER reporting_mark_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_mark_every_shard();
"""


POSTGRESQL_EVERY_SHARD = """
CREATE FUNCTION reporting_mark_every_shard() RETURNS trigger AS $$
BEGIN
    INSERT INTO reporting_changedshard (shard, source) VALUES (-1, TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def sqlite_triggers(table):
    """(name, SQL) of the row triggers that note a change to `table` on SQLite."""
    made = []
    for name, (event, rows) in marks.SQLITE_EVENTS.items():
        if table in marks.EVERY_SHARD_TABLES:
            body = f"INSERT INTO reporting_changedshard (shard, source) VALUES (-1, '{table}');"
        else:
            body = " ".join(
                f"INSERT INTO reporting_changedshard (shard, source) {shards_of(table, row).format(source='(SELECT 1)')};"
                for row in rows
            )
        trigger = f"reporting_mark_{table}_{name}"
        made.append((trigger, f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {body} END;"))
    return made


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_EVERY_SHARD)
        for table in marks.CHILD_OF:
            schema_editor.execute(postgresql_function(table))
        for table in marks.EVERY_SHARD_TABLES:
            schema_editor.execute(marks.postgresql_every_shard_triggers(table))
    elif vendor == "sqlite":
        for table in [*marks.CHILD_OF, *marks.EVERY_SHARD_TABLES]:
            for _, sql in sqlite_triggers(table):
                schema_editor.execute(sql)




class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0010_maintained_figures"),
    ]

    # SQLite adds the column by rebuilding the table, which the triggers writing to it would not
    # survive: they are dropped first and made again after.
    operations = [
        migrations.RunPython(marks.drop_triggers, marks.create_triggers),
        migrations.AddField(
            model_name="changedshard",
            name="source",
            field=models.CharField(
                blank=True,
                db_default="",
                help_text="The table changed, so that a fold counts again only the tallies reading it; "
                "blank: any table (a change noted before tables were).",
                max_length=63,
            ),
        ),
        migrations.RunPython(create_triggers, marks.drop_triggers),
    ]
