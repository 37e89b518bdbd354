"""Index the messages already parked in the centres' inboxes (migration 0003 made the index;
from then on the inbox writes it itself). One statement per centre; nothing to do on a new
network."""

from django.db import migrations

SCHEMAS = "SELECT schema_name, division_code FROM public.tenants_servicecentre"
COPY = (
    "INSERT INTO public.messaging_parkedmessage "
    "(message_id, recipient, sender, kind, stream, seq, parked_at) "
    'SELECT message_id, %s, sender, kind, stream, seq, received_at FROM "{schema}".delegation_inboxmessage '
    "WHERE applied_at IS NULL AND body IS NOT NULL ON CONFLICT (message_id) DO NOTHING"
)


def index_parked(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name = 'tenants_servicecentre')"
        )
        if not cur.fetchone()[0]:
            return
        cur.execute(SCHEMAS)
        for schema, code in cur.fetchall():
            cur.execute("SELECT to_regclass(%s)", [f'"{schema}".delegation_inboxmessage'])
            if cur.fetchone()[0] is not None:
                cur.execute(COPY.format(schema=schema), [code])


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_reliability"), ("tenants", "0001_initial")]

    operations = [migrations.RunPython(index_parked, migrations.RunPython.noop)]
