"""CPU accounting for the benchmarks: only their own processes, and what everything else used.

Linux only (reads ``/proc``). A benchmark names its parts by process id (drivers, worker,
relay, a web server…); each part is that process with its children, live and reaped. On top:

* ``postgresql``: the benchmark's own database cluster only — its postmaster (from
  ``postmaster.pid`` in the embedded cluster's ``var/pgdata``, or, for a server named by
  ``DATABASE_URL``, the parent of the benchmark's own backend) and every process under it.
  Other clusters on the machine, and other users' postgres processes, are not counted;
* ``rabbitmq``: the broker's Erlang VM when it runs on this machine. One broker serves every
  user of it (here: every helper's tests and workers), so it is reported apart, as
  ``shared_rabbitmq``, and never added into the benchmark's own total;
* ``other``: the machine's busy CPU (``/proc/stat``: user, nice, system, irq, softirq, steal)
  during the run minus everything counted above — other people's work. A run in which
  ``other`` is large was noisy, and its figures say so.

``Accounting.snapshot()`` before and after; ``Accounting.delta(before, after)`` gives seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def processes() -> dict[int, tuple[str, int, float]]:
    """pid → (command, parent pid, CPU seconds of itself and its reaped children)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
        stats[int(entry.name)] = (comm, int(fields[1]), ticks / TICK)
    return stats


def tree(stats: dict, pid: int) -> float:
    """CPU seconds of ``pid`` and everything under it."""
    children: dict[int, list[int]] = {}
    for p, (_comm, ppid, _cpu) in stats.items():
        children.setdefault(ppid, []).append(p)
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        if p in stats:
            total += stats[p][2]
            stack.extend(children.get(p, ()))
    return total


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine since boot (every core)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICK


def postmaster_pid(pgdata: Path | None = None, connection=None) -> int | None:
    """The pid of the benchmark's cluster: from ``pgdata/postmaster.pid``, else the parent of
    ``connection``'s backend (a Django connection)."""
    if pgdata is not None and (pgdata / "postmaster.pid").exists():
        try:
            pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
            if Path(f"/proc/{pid}").exists():
                return pid
        except (OSError, ValueError):
            pass
    if connection is not None:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]
        stat = processes().get(backend)
        if stat is not None:  # the server runs on this machine
            return stat[1]
    return None


def own_postmaster(root: Path) -> int | None:
    """The cluster Django is connected to: the embedded one under ``root/var/pgdata`` unless
    ``DATABASE_URL`` names another."""
    from django.db import connection

    pgdata = None if os.environ.get("DATABASE_URL") else root / "var" / "pgdata"
    return postmaster_pid(pgdata, connection)


class Accounting:
    def __init__(self, parts: dict[str, int], postmaster: int | None) -> None:
        self.parts = dict(parts)
        self.postmaster = postmaster

    def snapshot(self) -> dict[str, float]:
        stats = processes()
        busy = machine_busy()
        whole = {name: tree(stats, pid) for name, pid in self.parts.items()}
        seen = dict(whole)
        # A part under another (the drivers start the worker): counted once, as itself.
        for name, pid in self.parts.items():
            above = _nearest_part_above(stats, pid, {v: k for k, v in self.parts.items()})
            if above is not None:
                seen[above] -= whole[name]
        seen["postgresql"] = tree(stats, self.postmaster) if self.postmaster else 0.0
        seen["shared_rabbitmq"] = sum(
            cpu for comm, _ppid, cpu in stats.values() if comm.startswith(("beam", "erl"))
        )
        seen["_machine"] = busy
        return seen

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Seconds used during the run by each part, ``shared_rabbitmq`` and ``other``."""
        used = {k: max(after[k] - before.get(k, 0.0), 0.0) for k in after if k != "_machine"}
        machine = after["_machine"] - before["_machine"]
        used["other"] = max(machine - sum(used.values()), 0.0)
        return used


def _nearest_part_above(stats: dict, pid: int, parts: dict[int, str]) -> str | None:
    for _ in range(64):
        if pid not in stats:
            return None
        pid = stats[pid][1]
        if pid in parts:
            return parts[pid]
    return None


def own_total(used: dict[str, float]) -> float:
    """The benchmark's own CPU: every part but the shared broker and other processes."""
    return sum(v for k, v in used.items() if k not in ("shared_rabbitmq", "other"))
