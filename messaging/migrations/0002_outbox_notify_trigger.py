"""Wake the relay from the database: a statement-level trigger sends NOTIFY outbox.

Before, ``enqueue`` sent NOTIFY itself, one extra round trip per message. The trigger fires for
any insert into the outbox (whoever writes it), and NOTIFY stays transactional: it is delivered
only if the inserting transaction commits, and PostgreSQL folds identical notifications of one
transaction into one.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION messaging_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER messaging_outbox_notify
AFTER INSERT ON messaging_outboxmessage
FOR EACH STATEMENT EXECUTE FUNCTION messaging_outbox_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS messaging_outbox_notify ON messaging_outboxmessage;
DROP FUNCTION IF EXISTS messaging_outbox_notify();
"""


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
