"""The calendar's fingerprint, and the calendar tables left out of a database flush: both tables
are created here (CalendarDay by 0002) as managed models, then made unmanaged."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0005_action_history_and_version'),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarFingerprint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('fingerprint', models.CharField(max_length=64)),
            ],
        ),
        migrations.AlterModelOptions(
            name='calendarday',
            options={'managed': False},
        ),
        migrations.AlterModelOptions(
            name='calendarfingerprint',
            options={'managed': False},
        ),
    ]
