"""The maintained figures (reporting.maintained), and the triggers that note which shards of
children (reporting.tallies.SHARD_WIDTH consecutive ids) a transaction changed, in the same
transaction, whichever way the records were written.

PostgreSQL: one trigger a statement, over the rows it changed (transition tables), so an import
of thousands of rows notes each shard once. SQLite: one a row."""

import django.db.models.deletion
from django.db import migrations, models

SHARD_WIDTH = 64
"""reporting.tallies.SHARD_WIDTH when this migration was written; a later change of width
rewrites these triggers in a migration of its own."""

VIA_REVIEW = "JOIN reviews_review child_of ON child_of.id = {row}.review_id"
CHILD_OF = {
    "children_child": ("{row}.id", ""),
    "children_careepisode": ("{row}.child_id", ""),
    "children_strategydiscussion": ("{row}.child_id", ""),
    "children_childprotectionplan": ("{row}.child_id", ""),
    "children_allocation": ("{row}.child_id", ""),
    "reviews_review": ("{row}.child_id", ""),
    "reviews_reviewaction": ("child_of.child_id", VIA_REVIEW),
    "reviews_reviewactionupdate": (
        "child_of.child_id",
        "JOIN reviews_reviewaction action_of ON action_of.id = {row}.action_id "
        "JOIN reviews_review child_of ON child_of.id = action_of.review_id",
    ),
    "reviews_conferencerecord": ("child_of.child_id", VIA_REVIEW),
    "reviews_conferenceattendee": (
        "child_of.child_id",
        "JOIN reviews_conferencerecord record_of ON record_of.id = {row}.record_id "
        "JOIN reviews_review child_of ON child_of.id = record_of.review_id",
    ),
    "reviews_coregroupmember": (
        "child_of.child_id",
        "JOIN reviews_conferencerecord record_of ON record_of.id = {row}.record_id "
        "JOIN reviews_review child_of ON child_of.id = record_of.review_id",
    ),
    "reviews_reviewparticipant": ("child_of.child_id", VIA_REVIEW),
    "reviews_reviewviews": ("child_of.child_id", VIA_REVIEW),
    "reviews_careplancheck": ("child_of.child_id", VIA_REVIEW),
    "reviews_reviewrecord": ("child_of.child_id", VIA_REVIEW),
    "oversight_oversightrecord": ("{row}.child_id", ""),
    "oversight_incontactplan": ("{row}.child_id", ""),
    "escalations_escalation": ("{row}.child_id", ""),
    "escalations_escalationconcern": (
        "child_of.child_id",
        "JOIN escalations_escalation child_of ON child_of.id = {row}.escalation_id",
    ),
    "escalations_escalationstep": (
        "child_of.child_id",
        "JOIN escalations_escalation child_of ON child_of.id = {row}.escalation_id",
    ),
    "consultations_consultationinvitation": ("child_of.child_id", VIA_REVIEW),
    "consultations_consultationresponse": (
        "child_of.child_id",
        "JOIN consultations_consultationinvitation invitation_of ON invitation_of.id = {row}.invitation_id "
        "JOIN reviews_review child_of ON child_of.id = invitation_of.review_id",
    ),
    "consultations_safetyalert": ("child_of.child_id", VIA_REVIEW),
    "outcomes_healthrecord": ("{row}.child_id", ""),
    "outcomes_careleaverrecord": ("{row}.child_id", ""),
    "outcomes_missingepisode": ("{row}.child_id", ""),
    "outcomes_adoptiondecision": ("{row}.child_id", ""),
    "outcomes_adoption": ("{row}.child_id", ""),
    "outcomes_previouspermanence": ("{row}.child_id", ""),
}
"""Each table the figures count from, and how a row of it leads to its child. The IROs' own
records (accounts_user, staffing_staffingperiod) are read afresh every time, not kept."""

EVERY_SHARD_TABLES = ["reviews_calendarday"]
"""A change here can move any child's figures: the working days every timescale counts."""


def shards_of(table, rows):
    child, joins = CHILD_OF[table]
    child = child.format(row=rows)
    return (
        f"SELECT DISTINCT {child} / {SHARD_WIDTH} FROM {{source}} {joins.format(row=rows)} WHERE {child} IS NOT NULL"
    )


def postgresql_function(table):
    select = shards_of(table, "changed")
    return f"""
CREATE FUNCTION reporting_mark_{table}() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO reporting_changedshard (shard) {select.format(source="new_rows changed")};
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO reporting_changedshard (shard) {select.format(source="old_rows changed")};
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
    INSERT INTO reporting_changedshard (shard) VALUES (-1);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def postgresql_every_shard_triggers(table):
    return f"""
CREATE TRIGGER reporting_mark_every_shard AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reporting_mark_every_shard();
"""


SQLITE_EVENTS = {"insert": ("INSERT", ["NEW"]), "update": ("UPDATE", ["OLD", "NEW"]), "delete": ("DELETE", ["OLD"])}


def sqlite_triggers(table):
    """(name, SQL) of the row triggers that note a change to `table` on SQLite."""
    made = []
    for name, (event, rows) in SQLITE_EVENTS.items():
        if table in EVERY_SHARD_TABLES:
            body = "INSERT INTO reporting_changedshard (shard) VALUES (-1);"
        else:
            body = " ".join(
                f"INSERT INTO reporting_changedshard (shard) {shards_of(table, row).format(source='(SELECT 1)')};"
                for row in rows
            )
        trigger = f"reporting_mark_{table}_{name}"
        made.append((trigger, f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {body} END;"))
    return made


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_EVERY_SHARD)
        for table in CHILD_OF:
            schema_editor.execute(postgresql_function(table))
        for table in EVERY_SHARD_TABLES:
            schema_editor.execute(postgresql_every_shard_triggers(table))
    elif vendor == "sqlite":
        for table in [*CHILD_OF, *EVERY_SHARD_TABLES]:
            for _, sql in sqlite_triggers(table):
                schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in CHILD_OF:
            for event in ("insert", "update", "delete", "truncate"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_mark_{event} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS reporting_mark_{table}()")
        for table in EVERY_SHARD_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_mark_every_shard ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS reporting_mark_every_shard()")
    elif vendor == "sqlite":
        for table in [*CHILD_OF, *EVERY_SHARD_TABLES]:
            for trigger, _ in sqlite_triggers(table):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0009_staffing_training_and_supervision_figures'),
        ('children', '0009_placement_postcodes'),
        ('reviews', '0011_review_times_booked'),
        ('oversight', '0003_version'),
        ('escalations', '0002_version'),
        ('consultations', '0005_replies_and_alerts_go_with_their_child'),
        ('outcomes', '0004_accommodation_never_suitable'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChangedShard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shard', models.IntegerField(help_text='-1: every shard.')),
                ('version', models.BigIntegerField(blank=True, null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['version'], name='changed_shard_version')],
            },
        ),
        migrations.CreateModel(
            name='MaintainedFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('dashboard', 'Dashboard'), ('reporting_year', 'Annual report year'), ('outcomes', 'Outcome figures for a reporting year')], max_length=20)),
                ('period_start', models.DateField()),
                ('period_end', models.DateField()),
                ('as_of', models.DateField(help_text="The day the figures are counted for: 'overdue now' depends on it.")),
                ('names', models.TextField(help_text="JSON: the tallies' names, in the order the selectors ask for them.")),
                ('totals', models.TextField(help_text="JSON: each tally's counts summed over every shard.")),
                ('folded_version', models.BigIntegerField(help_text='The data version of the last change counted in.')),
                ('built_at', models.DateTimeField()),
                ('folded_at', models.DateTimeField()),
                ('read_at', models.DateTimeField(help_text='Figures nobody has asked for in a while stop being kept.')),
            ],
            options={
                'verbose_name_plural': 'maintained figures',
                'constraints': [models.UniqueConstraint(fields=('kind', 'period_start', 'period_end', 'as_of'), name='maintained_figures_one_per_key'), models.CheckConstraint(condition=models.Q(('kind__in', ['dashboard', 'reporting_year', 'outcomes'])), name='maintained_figures_kind_valid'), models.CheckConstraint(condition=models.Q(('period_start__lte', models.F('period_end'))), name='maintained_figures_period_order')],
            },
        ),
        migrations.CreateModel(
            name='MaintainedShard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shard', models.IntegerField()),
                ('counts', models.TextField()),
                ('figures', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shards', to='reporting.maintainedfigures')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('figures', 'shard'), name='maintained_shard_once')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
