"""Cross-centre messages: the outbox, the relay and its transports.

A service that changes a centre's data and must tell another centre (or the network) calls
``messaging.outbox.enqueue`` inside its own transaction. The row commits or rolls back with the
change: no message for a rolled-back change, no change without its message. The relay
publishes committed rows through the transport (RabbitMQ via Celery in production and CI; a
direct in-process call when no broker is configured) and marks them sent. Receivers dedupe by
message id and apply in sequence order per delegation (see ``delegation.inbox``).
"""
