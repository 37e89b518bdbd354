"""Pin the activity trigger's search path.

PL/pgSQL keeps a plan per statement, but PostgreSQL re-plans a cached statement whenever the
search path differs from the one it was planned under, and every centre's transaction runs
under its own path ("vill_…", public). Planning the bucket upsert cost ~0.27 ms per case
change (pg_stat_statements, bench/delegation.py). With the path fixed on the function, the plan
is kept. The function only touches public tables.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("assessment", "0004_row_level_activity_trigger")]

    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION assessment_activity_on_change() SET search_path = public",
            "ALTER FUNCTION assessment_activity_on_change() RESET search_path",
        )
    ]
