"""Hot reads as SQL written once, rows turned into model instances without the ORM's compiler.

Building a query with the ORM costs ~0.5–0.7 ms of Python per statement (compiling the
expression tree into SQL), several times what psycopg and PostgreSQL spend on a one-row
lookup. The statements a request runs every time (routing to a centre, the bearer token and
desk membership, a case and what its page loads) are written here once instead; the rows come
back as ordinary model instances, with the same field conversions the ORM applies (JSON,
sealed personal data, arrays), so the rest of the code cannot tell the difference.

    case = sql.one(Case, "WHERE tracking_no = %s", [number])
    events = sql.rows(CaseEvent, "WHERE case_id = ANY(%s) ORDER BY case_id, seq", [ids])

Joins read several models from one row: ``Shape(model, alias).columns`` in the SELECT list and
``shape.instance(row, start)`` for each (see ``accounts.services.authenticate_token``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


class Shape:
    """How one model's rows are read: its concrete columns in order (qualified by ``alias``
    when given) and the ORM's converters for each, computed once per process."""

    def __init__(self, model: type[Model], alias: str | None = None) -> None:
        qn = connection.ops.quote_name
        fields = model._meta.concrete_fields
        prefix = f"{qn(alias)}." if alias else ""
        self.model = model
        self.table = qn(model._meta.db_table)
        self.columns = ", ".join(prefix + qn(f.column) for f in fields)
        self.names = tuple(f.attname for f in fields)
        self.width = len(fields)
        converters: list[tuple[int, tuple[Callable, ...], Any]] = []
        for i, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((i, tuple(found), col))
        self.converters = tuple(converters)

    def instance(self, row: Sequence[Any], start: int = 0) -> Model:
        """The instance in ``row[start:start + width]``."""
        values = list(row[start : start + self.width])
        for i, functions, col in self.converters:
            value = values[i]
            for function in functions:
                value = function(value, col, connection)
            values[i] = value
        return self.model.from_db(connection.alias, self.names, values)


@lru_cache(maxsize=256)
def shape(model: type[Model], alias: str | None = None) -> Shape:
    return Shape(model, alias)


def rows(model: type[M], tail: str, params: Sequence[Any] = ()) -> list[M]:
    """Instances of ``model`` for ``SELECT <its columns> FROM <its table> <tail>``, run in the
    connection's current schema. ``tail`` is SQL written in the code, never built from input;
    values go in ``params``."""
    spec = shape(model)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {spec.columns} FROM {spec.table} {tail}", params)
        found = cur.fetchall()
    return [spec.instance(row) for row in found]  # type: ignore[misc]


def one(model: type[M], tail: str, params: Sequence[Any] = ()) -> M | None:
    """The first instance ``rows`` would give (``tail`` should say ``LIMIT 1``), or None."""
    found = rows(model, tail, params)
    return found[0] if found else None
