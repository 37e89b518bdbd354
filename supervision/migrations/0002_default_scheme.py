"""The default supervision scheme, version 1 (the city revises it through the services)."""

from django.db import migrations

DEFAULT = {
    "forward_days": 3,  # 全程代办: the agent forwards within 3 working days
    "intake_days": 5,  # 行政许可法 art. 32: accept, refuse or notify within 5
    "deliver_days": 10,  # art. 44: hand the licence over within 10 days of the decision
    "yellow_days_left": 1,
    "yellow_percent": 80,
}


def seed(apps, schema_editor):
    scheme = apps.get_model("supervision", "SupervisionScheme")
    if not scheme.objects.exists():
        scheme.objects.create(version=1, note="默认方案", created_by_name="system", **DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
