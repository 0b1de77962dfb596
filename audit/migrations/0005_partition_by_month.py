"""On PostgreSQL the audit log is partitioned by calendar month (UTC): audit_auditevent by
occurred_at, audit_auditeventchild by event_occurred_at (its event's occurred_at, added here), each
month a pair of partitions (audit_auditevent_p2026_04 and audit_auditeventchild_p2026_04), so that
retention removes a month by dropping its pair, never row by row. A DEFAULT partition of each table
takes rows for a month that has no partition yet; audit_add_partitions moves them into their month.

Existing rows are copied into the new tables inside this migration, which holds both tables
locked meanwhile (writes that audit wait for it). Indexes and keys are built after the copy, with
the names Django gave them, except that PostgreSQL wants the partition key in every unique index:
the primary keys become (id, occurred_at) and (id, event_occurred_at), and audit_event_child_once
(child_id, event_id, event_occurred_at). Django still sees id as each table's primary key, and ids
still come from one sequence per table. The foreign key from a list's children to their event
becomes one per month, from each children's partition to its events' partition, on (event_id,
event_occurred_at): one on the parents would make PostgreSQL scan every other month's children
before it let a month go. The triggers of 0002-0004 are made again on the new tables (a row
trigger on a partitioned table reaches every partition).

The functions here are the only code that makes or drops partitions:
- audit_add_partitions(months_ahead), SECURITY DEFINER so that the app's role, which may run no
  DDL, can call it (Celery beat, daily; `manage.py audit_partitions`; every migrate): the pair of
  partitions for this month and up to 12 ahead, and the DEFAULT partitions' rows moved into their
  months. It can add partitions and move rows between them, and nothing else;
- audit_drop_months_before(boundary): drops every month wholly before `boundary` and returns
  what each held. Only the owner of the tables can drop them (`manage.py audit_retention`).

On SQLite the tables stay as they are and only the new column is filled."""

import datetime

from django.conf import settings
from django.db import migrations, models

EVENTS, CHILDREN = "audit_auditevent", "audit_auditeventchild"

FUNCTIONS = r"""
CREATE FUNCTION audit_partition_name(parent text, month date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT parent || '_p' || to_char(month, 'YYYY_MM') $$;

-- A partition may be read by whoever may read its parent (pg_dump, the app's role's backup,
-- reads each partition on its own) and written to by the owner alone: the app's role writes
-- through the parents, where it may only add.
CREATE FUNCTION audit_partition_privileges(partition regclass, parent regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    grantee text;
BEGIN
    EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC', partition);
    FOR grantee IN
        SELECT DISTINCT quote_ident(roles.rolname)
        FROM pg_class, aclexplode(pg_class.relacl) AS acl JOIN pg_roles AS roles ON roles.oid = acl.grantee
        WHERE pg_class.oid = partition AND acl.grantee <> pg_class.relowner
    LOOP
        EXECUTE format('REVOKE ALL ON TABLE %s FROM %s', partition, grantee);
    END LOOP;
    FOR grantee IN
        SELECT DISTINCT quote_ident(roles.rolname)
        FROM pg_class, aclexplode(pg_class.relacl) AS acl JOIN pg_roles AS roles ON roles.oid = acl.grantee
        WHERE pg_class.oid = parent AND acl.grantee <> pg_class.relowner AND acl.privilege_type = 'SELECT'
    LOOP
        EXECUTE format('GRANT SELECT ON TABLE %s TO %s', partition, grantee);
    END LOOP;
END $$;

-- A month's children may only name events of that month's partition.
CREATE FUNCTION audit_link_partitions(events text, children text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'ALTER TABLE %I ADD CONSTRAINT audit_event_child_event FOREIGN KEY (event_id, event_occurred_at) '
        'REFERENCES %I (id, occurred_at) DEFERRABLE INITIALLY DEFERRED',
        children, events
    );
END $$;

-- The pair of partitions for the month starting on `month` (UTC), without the key between them
-- (`linked`: the migration adds it once the rows are in). False when they were there already.
CREATE FUNCTION audit_create_month(month date, linked boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
BEGIN
    IF month <> date_trunc('month', month) THEN
        RAISE EXCEPTION 'a month of the audit log starts on the 1st, not on %', month;
    END IF;
    IF to_regclass(audit_partition_name('audit_auditevent', month)) IS NOT NULL THEN
        RETURN false;
    END IF;
    FOREACH parent IN ARRAY ARRAY['audit_auditevent', 'audit_auditeventchild'] LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            audit_partition_name(parent, month), parent,
            month::timestamp AT TIME ZONE 'UTC', (month + interval '1 month') AT TIME ZONE 'UTC'
        );
        PERFORM audit_partition_privileges(audit_partition_name(parent, month)::regclass, parent::regclass);
    END LOOP;
    IF linked THEN
        PERFORM audit_link_partitions(
            audit_partition_name('audit_auditevent', month), audit_partition_name('audit_auditeventchild', month)
        );
    END IF;
    RETURN true;
END $$;

CREATE FUNCTION audit_create_default_partitions() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE audit_auditevent_default PARTITION OF audit_auditevent DEFAULT;
    CREATE TABLE audit_auditeventchild_default PARTITION OF audit_auditeventchild DEFAULT;
    PERFORM audit_partition_privileges('audit_auditevent_default', 'audit_auditevent');
    PERFORM audit_partition_privileges('audit_auditeventchild_default', 'audit_auditeventchild');
    PERFORM audit_link_partitions('audit_auditevent_default', 'audit_auditeventchild_default');
END $$;

-- A partition with rows added earlier in the transaction cannot be dropped while their deferred
-- key checks wait for the commit: 'IMMEDIATE' makes the log's keys check them now, 'DEFERRED'
-- puts the keys back as they were made (Django's and audit_link_partitions' are all deferred).
CREATE FUNCTION audit_set_constraints(mode text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    name text;
BEGIN
    IF mode NOT IN ('IMMEDIATE', 'DEFERRED') THEN
        RAISE EXCEPTION 'constraints are IMMEDIATE or DEFERRED, not %', mode;
    END IF;
    FOR name IN
        SELECT DISTINCT conname FROM pg_constraint
        WHERE condeferrable AND conrelid IN (
            SELECT inhrelid FROM pg_inherits
            WHERE inhparent IN ('audit_auditevent'::regclass, 'audit_auditeventchild'::regclass)
        )
    LOOP
        EXECUTE format('SET CONSTRAINTS %I %s', name, mode);
    END LOOP;
END $$;

-- Rows that reached the DEFAULT partitions (their month had no partition yet) moved into their
-- months' partitions: the DEFAULT partitions are detached, each month they hold gets its pair,
-- their rows go back in through the parents and the emptied tables are dropped. The rows are
-- copied, never updated or deleted, so the append-only triggers stay on throughout. Returns the
-- months whose partitions it made.
CREATE FUNCTION audit_move_default_rows() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    month date;
    made integer := 0;
BEGIN
    PERFORM 1 FROM audit_auditevent_default LIMIT 1;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    PERFORM audit_set_constraints('IMMEDIATE');
    ALTER TABLE audit_auditeventchild DETACH PARTITION audit_auditeventchild_default;
    ALTER TABLE audit_auditevent DETACH PARTITION audit_auditevent_default;
    ALTER TABLE audit_auditeventchild_default RENAME TO audit_auditeventchild_moving;
    ALTER TABLE audit_auditevent_default RENAME TO audit_auditevent_moving;
    FOR month IN SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date FROM audit_auditevent_moving LOOP
        PERFORM audit_create_month(month, true);
        made := made + 1;
    END LOOP;
    INSERT INTO audit_auditevent SELECT * FROM audit_auditevent_moving;
    INSERT INTO audit_auditeventchild SELECT * FROM audit_auditeventchild_moving;
    DROP TABLE audit_auditeventchild_moving, audit_auditevent_moving;
    PERFORM audit_create_default_partitions();
    PERFORM audit_set_constraints('DEFERRED');
    RETURN made;
END $$;

CREATE FUNCTION audit_add_partitions(months_ahead integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
    this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    made integer;
    ahead integer;
BEGIN
    IF months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 12 THEN
        RAISE EXCEPTION 'partitions are made from 0 to 12 months ahead, not %', months_ahead;
    END IF;
    made := audit_move_default_rows();
    FOR ahead IN 0..months_ahead LOOP
        IF audit_create_month((this_month + make_interval(months => ahead))::date, true) THEN
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END $$;

CREATE FUNCTION audit_drop_months_before(boundary date)
RETURNS TABLE (dropped_month date, events bigint, children_shown bigint)
LANGUAGE plpgsql AS $$
DECLARE
    month date;
BEGIN
    IF boundary <> date_trunc('month', boundary) THEN
        RAISE EXCEPTION 'the audit log is kept from the 1st of a month, not from %', boundary;
    END IF;
    PERFORM audit_move_default_rows();
    PERFORM audit_set_constraints('IMMEDIATE');
    FOR month IN
        SELECT to_date(right(part.relname, 7), 'YYYY_MM')
        FROM pg_inherits JOIN pg_class AS part ON part.oid = pg_inherits.inhrelid
        WHERE pg_inherits.inhparent = 'audit_auditevent'::regclass AND part.relname ~ '_p\d{4}_\d{2}$'
        ORDER BY 1
    LOOP
        EXIT WHEN month >= boundary;
        EXECUTE format('SELECT count(*) FROM %I', audit_partition_name('audit_auditevent', month)) INTO events;
        EXECUTE format('SELECT count(*) FROM %I', audit_partition_name('audit_auditeventchild', month))
            INTO children_shown;
        EXECUTE format(
            'DROP TABLE %I, %I',
            audit_partition_name('audit_auditeventchild', month), audit_partition_name('audit_auditevent', month)
        );
        dropped_month := month;
        RETURN NEXT;
    END LOOP;
    PERFORM audit_set_constraints('DEFERRED');
END $$;

REVOKE ALL ON FUNCTION
    audit_partition_name(text, date), audit_partition_privileges(regclass, regclass), audit_link_partitions(text, text),
    audit_create_month(date, boolean), audit_create_default_partitions(), audit_set_constraints(text),
    audit_move_default_rows(),
    audit_add_partitions(integer), audit_drop_months_before(date)
FROM PUBLIC;
"""

DROP_FUNCTIONS = """
DROP FUNCTION audit_drop_months_before(date), audit_add_partitions(integer), audit_move_default_rows(),
    audit_set_constraints(text), audit_create_default_partitions(), audit_create_month(date, boolean),
    audit_link_partitions(text, text), audit_partition_privileges(regclass, regclass), audit_partition_name(text, date);
"""

# Indexes and keys as 0001 and 0004 made them, but the keys that the partitioning changes.
INDEXES = """
CREATE INDEX audit_auditevent_occurred_at_1f007848 ON audit_auditevent (occurred_at);
CREATE INDEX audit_auditevent_child_id_64658f17 ON audit_auditevent (child_id);
CREATE INDEX audit_auditevent_user_id_871f21a9 ON audit_auditevent (user_id);
CREATE INDEX audit_object_idx ON audit_auditevent (object_type, object_id);
CREATE INDEX audit_auditeventchild_event_id_b76e6d92 ON audit_auditeventchild (event_id);
ALTER TABLE audit_auditevent ADD CONSTRAINT audit_auditevent_user_id_871f21a9_fk_accounts_user_id
    FOREIGN KEY (user_id) REFERENCES {users} (id) DEFERRABLE INITIALLY DEFERRED;
"""

PARTITIONED_KEYS = """
ALTER TABLE audit_auditevent ADD CONSTRAINT audit_auditevent_pkey PRIMARY KEY (id, occurred_at);
ALTER TABLE audit_auditeventchild ADD CONSTRAINT audit_auditeventchild_pkey PRIMARY KEY (id, event_occurred_at);
ALTER TABLE audit_auditeventchild ADD CONSTRAINT audit_event_child_once UNIQUE (child_id, event_id, event_occurred_at);
"""

PLAIN_KEYS = """
ALTER TABLE audit_auditevent ADD CONSTRAINT audit_auditevent_pkey PRIMARY KEY (id);
ALTER TABLE audit_auditeventchild ADD CONSTRAINT audit_auditeventchild_pkey PRIMARY KEY (id);
ALTER TABLE audit_auditeventchild ADD CONSTRAINT audit_event_child_once UNIQUE (child_id, event_id);
ALTER TABLE audit_auditeventchild ADD CONSTRAINT audit_auditeventchild_event_id_b76e6d92_fk_audit_auditevent_id
    FOREIGN KEY (event_id) REFERENCES audit_auditevent (id) DEFERRABLE INITIALLY DEFERRED;
"""

TRIGGERS = """
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_child_append_only BEFORE UPDATE OR DELETE ON audit_auditeventchild
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_child_no_truncate BEFORE TRUNCATE ON audit_auditeventchild
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

# The planner's statistics for the new tables at once: autovacuum never analyzes a partitioned
# table itself, and would reach the copied partitions only later.
ANALYZE = "ANALYZE audit_auditevent, audit_auditeventchild"

# This month and the next three have partitions from the start (audit.services.MONTHS_AHEAD).
MONTHS_AHEAD = 3


def _rebuild(cursor, partition_key):
    """Put the two tables aside under a suffix and make new, empty ones like them: partitioned by
    month when `partition_key` names each table's column (events, children), plain when None.
    Returns the suffix."""
    suffix = "_unpartitioned" if partition_key else "_partitioned"
    cursor.execute(f"LOCK TABLE {EVENTS}, {CHILDREN} IN ACCESS EXCLUSIVE MODE")
    for table, key in zip((EVENTS, CHILDREN), partition_key or (None, None), strict=True):
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}{suffix}")
        cursor.execute(
            f"CREATE TABLE {table} (LIKE {table}{suffix} INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
            + (f" PARTITION BY RANGE ({key})" if key else "")
        )
    return suffix


def _finish(cursor, suffix, users):
    """Carry each id sequence on from the old table's (no id is ever given twice), drop the old
    tables, name the new sequences as the old ones were and build the indexes."""
    for table in (EVENTS, CHILDREN):
        old_sequence, new_sequence = _sequence(cursor, table + suffix), _sequence(cursor, table)
        cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")
        last_value, is_called = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
    cursor.execute(f"DROP TABLE {CHILDREN}{suffix}, {EVENTS}{suffix}")
    for table in (EVENTS, CHILDREN):
        cursor.execute(f"ALTER SEQUENCE {_sequence(cursor, table)} RENAME TO {table}_id_seq")
    cursor.execute(INDEXES.format(users=users))


def _sequence(cursor, table):
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return cursor.fetchone()[0]


def _users_table(apps):
    return apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table


def _copied_all(cursor, suffix):
    for table in (EVENTS, CHILDREN):
        cursor.execute(f"SELECT (SELECT count(*) FROM {table}{suffix}), (SELECT count(*) FROM {table})")
        old, new = cursor.fetchone()
        if old != new:
            raise RuntimeError(f"{table}: {new} rows copied of {old}; nothing has changed.")


def partition_the_log(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        schema_editor.execute(
            f"UPDATE {CHILDREN} SET event_occurred_at = "
            f"(SELECT occurred_at FROM {EVENTS} WHERE {EVENTS}.id = {CHILDREN}.event_id)"
        )
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        cursor.execute(FUNCTIONS.replace("{schema}", cursor.fetchone()[0]))
        suffix = _rebuild(cursor, ("occurred_at", "event_occurred_at"))
        cursor.execute(
            f"SELECT audit_create_month(month, false) FROM ("
            f" SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date AS month FROM {EVENTS}{suffix}"
            f" UNION SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => ahead))::date"
            f" FROM generate_series(0, %s) AS ahead) AS months",
            [MONTHS_AHEAD],
        )
        cursor.execute(f"INSERT INTO {EVENTS} SELECT * FROM {EVENTS}{suffix}")
        cursor.execute(
            f"INSERT INTO {CHILDREN} (id, child_id, event_id, event_occurred_at)"
            f" SELECT shown.id, shown.child_id, shown.event_id, event.occurred_at"
            f" FROM {CHILDREN}{suffix} AS shown JOIN {EVENTS}{suffix} AS event ON event.id = shown.event_id"
        )
        _copied_all(cursor, suffix)
        _finish(cursor, suffix, _users_table(apps))
        cursor.execute(PARTITIONED_KEYS)
        cursor.execute(
            "SELECT audit_link_partitions(audit_partition_name(%s, month), audit_partition_name(%s, month)) FROM ("
            " SELECT to_date(right(relname, 7), 'YYYY_MM') AS month FROM pg_inherits"
            " JOIN pg_class ON pg_class.oid = inhrelid WHERE inhparent = %s::regclass) AS months",
            [EVENTS, CHILDREN, EVENTS],
        )
        cursor.execute("SELECT audit_create_default_partitions()")
        cursor.execute(TRIGGERS)
        cursor.execute(ANALYZE)


def unpartition_the_log(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        suffix = _rebuild(cursor, None)
        for table in (EVENTS, CHILDREN):
            cursor.execute(f"INSERT INTO {table} SELECT * FROM {table}{suffix}")
        _copied_all(cursor, suffix)
        _finish(cursor, suffix, _users_table(apps))
        cursor.execute(PLAIN_KEYS)
        cursor.execute(TRIGGERS)
        cursor.execute(DROP_FUNCTIONS)
        cursor.execute(ANALYZE)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_event_child"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Filled from each row's event by partition_the_log, on both databases.
        migrations.AddField(
            model_name="auditeventchild",
            name="event_occurred_at",
            field=models.DateTimeField(
                default=datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC),
                help_text="The event's occurred_at, so that on PostgreSQL these rows fall in the event's month "
                "(audit migration 0005) and a month of the log is removed as a whole.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(partition_the_log, unpartition_the_log),
    ]
