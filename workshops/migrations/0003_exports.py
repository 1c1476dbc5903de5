# Measures: details, follow-up and updates; conferences: published results and the previous one.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workshops', '0002_console'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='conference',
            name='previous',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='next_conferences', to='workshops.conference', verbose_name='previous conference'),
        ),
        migrations.AddField(
            model_name='conference',
            name='results_published',
            field=models.BooleanField(default=False, editable=False, verbose_name='results published'),
        ),
        migrations.AddField(
            model_name='item',
            name='implementation',
            field=models.CharField(choices=[('planned', 'planned'), ('in_progress', 'in progress'), ('done', 'done'), ('dropped', 'dropped')], default='planned', max_length=16, verbose_name='implementation status'),
        ),
        migrations.AddField(
            model_name='item',
            name='indicator',
            field=models.CharField(blank=True, max_length=300, verbose_name='indicator of success'),
        ),
        migrations.AddField(
            model_name='item',
            name='lead',
            field=models.CharField(blank=True, max_length=200, verbose_name='lead (Federführung)'),
        ),
        migrations.AddField(
            model_name='item',
            name='origin',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='carried_into', to='workshops.item', verbose_name='carried over from'),
        ),
        migrations.AddField(
            model_name='item',
            name='partners',
            field=models.CharField(blank=True, max_length=300, verbose_name='partners'),
        ),
        migrations.AddField(
            model_name='item',
            name='progress',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)'),
        ),
        migrations.AddField(
            model_name='item',
            name='resources',
            field=models.CharField(blank=True, max_length=300, verbose_name='resources'),
        ),
        migrations.AddField(
            model_name='item',
            name='timeframe',
            field=models.CharField(blank=True, max_length=200, verbose_name='time frame'),
        ),
        migrations.CreateModel(
            name='MeasureUpdate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='date')),
                ('text', models.CharField(max_length=500, verbose_name='text')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('author_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='workshops.item', verbose_name='measure')),
            ],
            options={
                'verbose_name': 'measure update',
                'verbose_name_plural': 'measure updates',
                'ordering': ['item', '-date', '-id'],
            },
        ),
    ]
