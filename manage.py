#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    if sys.argv[1:2] == ["embedded_db"]:
        # Inspecting or stopping the embedded PostgreSQL must not start it (core.embedded).
        os.environ["EMBEDDED_DB_AUTOSTART"] = "0"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
