"""Seed version 1 of the default scoring scheme (assessment.defaults)."""

from django.db import migrations


def seed(apps, schema_editor):
    from assessment.defaults import DEFAULT_SCHEME, DEFAULT_SCHEME_NAME

    ScoringScheme = apps.get_model("assessment", "ScoringScheme")
    if not ScoringScheme.objects.filter(name=DEFAULT_SCHEME_NAME).exists():
        ScoringScheme.objects.create(
            name=DEFAULT_SCHEME_NAME, version=1, created_by="system", **DEFAULT_SCHEME
        )


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_activity_triggers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
