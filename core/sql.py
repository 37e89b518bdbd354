"""Hot reads as SQL written once, rows turned into model instances without the ORM's compiler.

Building a query with the ORM costs ~0.5–0.7 ms of Python per statement (compiling the
expression tree into SQL), several times what psycopg and PostgreSQL spend on a one-row
lookup. The statements a request runs every time (routing to a centre, the bearer token and
desk membership, a case and what its page loads) are written here once instead; the rows come
back as ordinary model instances, with the same field conversions the ORM applies (JSON,
sealed personal data, arrays), so the rest of the code cannot tell the difference.

    case = sql.one(Case, "WHERE tracking_no = %s", [number])
    events = sql.rows(CaseEvent, "WHERE case_id = ANY(%s) ORDER BY case_id, seq", [ids])

Joins read several models from one row: ``joined([shape(A, "a"), shape(B, "b")], "FROM … a JOIN
… b ON …", params)`` gives a tuple of instances per row (see ``delegation.queries.chains``).
``insert(instance)`` and ``update(instance)`` write a row as ``save()`` would (the case and its
delegations on every step), without the compiler and without signals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute

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
        self.pk_index = fields.index(model._meta.pk)
        converters: list[tuple[int, tuple[Callable, ...], Any]] = []
        for i, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((i, tuple(found), col))
        self.converters = tuple(converters)
        self.plain = _full_row_names(model) is not None

    def instance(self, row: Sequence[Any], start: int = 0) -> Model:
        """The instance in ``row[start:start + width]``."""
        values = list(row[start : start + self.width])
        for i, functions, col in self.converters:
            value = values[i]
            for function in functions:
                value = function(value, col, connection)
            values[i] = value
        if self.plain:
            return filled(self.model, self.names, values)
        return self.model.from_db(DEFAULT_DB_ALIAS, self.names, values)  # = connection.alias


def filled(
    model: type[M], names: Sequence[str], values: Sequence[Any], db: str = DEFAULT_DB_ALIAS
) -> M:
    """The instance ``model.from_db()`` gives for a full row (``names``: every concrete
    field's attname, in order), made without walking the fields one setattr at a time in
    Model.__init__ (a third of the cost of a 40-column instance): the same attributes, the same
    state. Only for models that ``_plain_attributes`` allows; when anything listens to their
    pre_init or post_init, from_db() builds it and sends them."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return Model.from_db.__func__(model, db, names, values)
    new = model.__new__(model)
    state = new._state = ModelState()
    state.adding, state.db = False, db
    new.__dict__.update(zip(names, values, strict=True))
    return new


class QuickFromDb:
    """A model mixin: rows the ORM reads with every column (lists of cases, events, records)
    become instances as ``core.sql`` makes them (``filled``). Rows with deferred columns and
    models that ``_plain_attributes`` refuses go through Model.from_db()."""

    @classmethod
    def from_db(cls, db, field_names, values):
        names = _full_row_names(cls)
        if names is not None and len(values) == len(names):
            # As Model.from_db: a full row holds the concrete fields in their order.
            return filled(cls, names, values, db)
        return super().from_db(db, field_names, values)


@cache
def _full_row_names(model: type[Model]) -> tuple[str, ...] | None:
    """The attnames a full row of ``model`` fills, or None if it may not be filled at once."""
    fields = model._meta.concrete_fields
    return tuple(f.attname for f in fields) if _plain_attributes(model, fields) else None


def _plain_attributes(model: type[Model], fields: Sequence[Any]) -> bool:
    """Whether ``model``'s instances may be filled in one ``__dict__`` update: it keeps
    Model.__init__ and no field's attribute intercepts assignment (a descriptor with
    ``__set__``, as file fields have; a foreign key's id attribute has one only to forget a
    cached related object, which a new instance has not), so setattr and the update store the
    same thing."""
    if model.__init__ is not Model.__init__:
        return False
    for field in fields:
        attribute = None
        for klass in model.__mro__:
            if field.attname in klass.__dict__:
                attribute = klass.__dict__[field.attname]
                break
        if isinstance(attribute, ForeignKeyDeferredAttribute):
            continue
        if attribute is not None and hasattr(type(attribute), "__set__"):
            return False
    return True


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


_UPDATES: dict[type[Model], tuple[str, tuple]] = {}


def update(instance: Model) -> None:
    """What ``instance.save()`` does for a row that exists — every column written, ``auto_now``
    fields stamped, values prepared by their fields (sealing personal data) — as one UPDATE
    written once per model. No ``pre_save``/``post_save`` signals are sent: only for models
    without receivers or an overridden ``save()``. A row that is gone raises ``DatabaseError``
    (where ``save()`` would insert it again)."""
    model = type(instance)
    found = _UPDATES.get(model)
    if found is None:
        qn = connection.ops.quote_name
        fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
        assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        found = _UPDATES[model] = (f"UPDATE {table} SET {assignments} WHERE {pk} = %s", fields)
    statement, fields = found
    values = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
    with connection.cursor() as cur:
        cur.execute(statement, [*values, instance.pk])
        if cur.rowcount != 1:
            raise DatabaseError(f"{model.__name__} {instance.pk} is not in this schema")


_INSERTS: dict[type[Model], tuple[str, tuple, bool]] = {}


def insert(instance: M) -> M:
    """What ``instance.save()`` does for a new row — ``auto_now_add``/``auto_now`` stamped,
    values prepared by their fields, a generated primary key read back — as one INSERT written
    once per model. No signals (as ``update``). An integrity error propagates as from save()."""
    model = type(instance)
    found = _INSERTS.get(model)
    if found is None:
        qn = connection.ops.quote_name
        pk = model._meta.pk
        generated = pk.db_returning  # an identity/serial key: PostgreSQL chooses it
        fields = tuple(f for f in model._meta.concrete_fields if not (generated and f is pk))
        columns = ", ".join(qn(f.column) for f in fields)
        statement = (
            f"INSERT INTO {qn(model._meta.db_table)} ({columns})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
            + (f" RETURNING {qn(pk.column)}" if generated else "")
        )
        found = _INSERTS[model] = (statement, fields, generated)
    statement, fields, generated = found
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cur:
        cur.execute(statement, values)
        if generated:
            (instance.pk,) = cur.fetchone()
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def joined(shapes: Sequence[Shape], tail: str, params: Sequence[Any] = ()) -> list[tuple]:
    """``SELECT <each shape's columns> <tail>`` (``tail`` names the tables under the shapes'
    aliases): per row, a tuple of one instance per shape, None where an outer join found none."""
    columns = ", ".join(shape.columns for shape in shapes)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {columns} {tail}", params)
        found = cur.fetchall()
    result = []
    for row in found:
        instances, start = [], 0
        for shape in shapes:
            present = row[start + shape.pk_index] is not None
            instances.append(shape.instance(row, start) if present else None)
            start += shape.width
        result.append(tuple(instances))
    return result


def one(model: type[M], tail: str, params: Sequence[Any] = ()) -> M | None:
    """The first instance ``rows`` would give (``tail`` should say ``LIMIT 1``), or None."""
    found = rows(model, tail, params)
    return found[0] if found else None
