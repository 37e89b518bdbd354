"""Helpers shared by management commands: domain errors become a clear message and exit 1."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.management.base import CommandError

from core.errors import DomainError


@contextmanager
def domain_errors_as_command_errors():
    try:
        yield
    except DomainError as exc:
        raise CommandError(str(exc), returncode=1) from exc


def progress_bar(description: str, total: int, enabled: bool = True):
    """A rich progress bar (or a silent stand-in when output is off)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=False,
    )
    task = progress.add_task(description, total=total)
    return progress, task
