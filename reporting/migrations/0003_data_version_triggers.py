"""Triggers that count committed changes to the records the dashboard and the annual report
are counted from (reporting.models.DataVersion).

PostgreSQL: a statement-level trigger on each table notes, once per transaction, that the
transaction changed data (a row in reporting_pending_data_change), and a deferred constraint
trigger on that row adds one to the version as the transaction commits. The version row is
locked only for the instant of the commit, so a long SSDA903 import does not hold up an IRO
saving a review, and a transaction that rolls back changes nothing. SQLite serialises writers
anyway, so its row-level triggers add one straight away."""

from django.db import migrations

TABLES = [
    "children_child",
    "children_careepisode",
    "children_strategydiscussion",
    "children_childprotectionplan",
    "children_allocation",
    "reviews_review",
    "reviews_reviewaction",
    "reviews_calendarday",
    "oversight_oversightrecord",
    "oversight_incontactplan",
    "escalations_escalation",
    "escalations_escalationconcern",
    "escalations_escalationstep",
]
USER_TABLE = "accounts_user"
USER_FIGURE_COLUMNS = "role, is_active, fte, first_name, last_name, username"
"""An IRO's caseload reads these; signing in (last_login) changes no figure."""

POSTGRESQL_FUNCTIONS = """
CREATE TABLE reporting_pending_data_change (id bigserial PRIMARY KEY);

CREATE FUNCTION reporting_note_data_change() RETURNS trigger AS $$
BEGIN
    IF current_setting('reporting.data_changed', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('reporting.data_changed', 'yes', true);
        INSERT INTO reporting_pending_data_change DEFAULT VALUES;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION reporting_count_data_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO reporting_dataversion (id, number) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET number = reporting_dataversion.number + 1;
    DELETE FROM reporting_pending_data_change WHERE id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER reporting_count_data_change
    AFTER INSERT ON reporting_pending_data_change
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION reporting_count_data_change();
"""

POSTGRESQL_TABLE_TRIGGER = """
CREATE TRIGGER reporting_data_changed AFTER {events} ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_note_data_change();
"""

SQLITE_TABLE_TRIGGER = """
CREATE TRIGGER reporting_data_changed_{table}_{name} AFTER {event} ON {table} BEGIN
    INSERT OR IGNORE INTO reporting_dataversion (id, number) VALUES (1, 0);
    UPDATE reporting_dataversion SET number = number + 1 WHERE id = 1;
END;
"""


def postgresql_events(table):
    if table == USER_TABLE:
        return f"INSERT OR DELETE OR TRUNCATE OR UPDATE OF {USER_FIGURE_COLUMNS}"
    return "INSERT OR UPDATE OR DELETE OR TRUNCATE"


def sqlite_events(table):
    update = f"UPDATE OF {USER_FIGURE_COLUMNS}" if table == USER_TABLE else "UPDATE"
    return {"insert": "INSERT", "update": update, "delete": "DELETE"}


def join_tables(schema_editor, tables):
    """Let changes to `tables` move the data version. Later migrations call this for the tables
    they make that figures read (through importlib: a migration module's name starts with a digit)."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(POSTGRESQL_TABLE_TRIGGER.format(events=postgresql_events(table), table=table))
        elif vendor == "sqlite":
            for name, event in sqlite_events(table).items():
                schema_editor.execute(SQLITE_TABLE_TRIGGER.format(table=table, name=name, event=event))


def leave_tables(schema_editor, tables):
    """join_tables undone."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_data_changed ON {table}")
        elif vendor == "sqlite":
            for name in sqlite_events(table):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_data_changed_{table}_{name}")


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTIONS)
    join_tables(schema_editor, [*TABLES, USER_TABLE])


def drop_triggers(apps, schema_editor):
    leave_tables(schema_editor, [*TABLES, USER_TABLE])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS reporting_pending_data_change")
        schema_editor.execute("DROP FUNCTION IF EXISTS reporting_note_data_change()")
        schema_editor.execute("DROP FUNCTION IF EXISTS reporting_count_data_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_stored_figures"),
        ("accounts", "0002_api_token"),
        ("children", "0006_child_is_mother_first_child_date_of_birth"),
        ("reviews", "0002_working_day_calendar"),
        ("oversight", "0001_initial"),
        ("escalations", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
