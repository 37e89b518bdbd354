"""Project core: settings, routing, errors, the embedded database and the Celery app."""
