"""The children each list page showed, one row per child, append-only like the events: on
PostgreSQL the trigger function of 0002 refuses UPDATE, DELETE and TRUNCATE on this table too."""

import django.db.models.deletion
from django.db import migrations, models


CREATE_TRIGGER = """
CREATE TRIGGER audit_event_child_append_only
    BEFORE UPDATE OR DELETE ON audit_auditeventchild
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_child_no_truncate
    BEFORE TRUNCATE ON audit_auditeventchild
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS audit_event_child_append_only ON audit_auditeventchild;
DROP TRIGGER IF EXISTS audit_event_child_no_truncate ON audit_auditeventchild;
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_refuse_truncate'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEventChild',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('child_id', models.BigIntegerField()),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='children_shown', to='audit.auditevent')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('child_id', 'event'), name='audit_event_child_once')],
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
