"""Query limits, checked before anything runs.

Before validation, on the parsed document (``check_document``, one linear pass):

* Size: at most ``GRAPHQL_MAX_QUERY_BYTES`` of query text and ``GRAPHQL_MAX_TOKENS`` tokens
  (the parser stops there), ``GRAPHQL_MAX_FIELDS`` field selections and ``GRAPHQL_MAX_ALIASES``
  aliases in the whole document, introspection included (``query_too_large``,
  ``too_many_aliases``). The standard validation rules are not all linear (overlapping fields
  are compared in pairs), so these bounds come first.
* Text: no NUL or other control character (tab, line feed and carriage return are allowed) in
  any string, in the document or in the variables (``invalid_characters``); variables nested at
  most ``MAX_INPUT_DEPTH`` deep (``input_too_deep``). One place for every string input.

During validation (rules added to graphql-core's):

* Depth: the longest chain of nested fields (fragments followed), introspection excluded.
* Complexity: every field costs 1, introspection included (``__schema`` 1,000 more: it returns
  the whole schema), and what is below a connection costs
  once per node it may return: the literal ``first``/``last``, ``MAX_PAGE_SIZE`` when it is a
  variable (validation does not see variable values), ``DEFAULT_PAGE_SIZE`` when absent. Aliases
  count separately, so one request cannot ask for the same heavy list fifty times.
  Each fragment is measured once and its depth and cost reused wherever it is spread, so the
  work is linear in the document however the fragments fan out; a time budget
  (``GRAPHQL_VALIDATION_SECONDS``) stops the walk anyway.
* Logins: at most one ``login`` per request (each one is a password check).

All fail with a GraphQL error (HTTP 400) whose ``extensions.code`` says which limit.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

from core.errors import DomainError
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValidationRule,
    Visitor,
    get_named_type,
    visit,
)
from graphql_api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

MAX_DEPTH = 10
MAX_COMPLEXITY = 5000
MAX_QUERY_BYTES = 64 * 1024
MAX_TOKENS = 10_000
MAX_FIELDS = 1000
MAX_ALIASES = 50
MAX_INPUT_DEPTH = 20
VALIDATION_SECONDS = 2.0
MAX_LOGINS = 1
#: What one ``__schema`` costs on top of its fields: a few per request, not hundreds.
SCHEMA_INTROSPECTION_COST = 1000

#: Control characters refused in any string input (C0 but tab, LF, CR; DEL; C1).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CAP = 10**12  # costs beyond any budget are all "too much"


class RequestRejected(DomainError):
    """The request itself is unacceptable (HTTP 400): nothing ran."""

    code = "bad_request"


def _error(code: str, message: str, message_en: str, node) -> GraphQLError:
    return GraphQLError(
        message, node, extensions={"code": code, "field": None, "messageEn": message_en}
    )


def _multiplier(field: FieldNode, return_type) -> int:
    if not getattr(return_type, "name", "").endswith("Connection"):
        return 1
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 1)
            return MAX_PAGE_SIZE
    return DEFAULT_PAGE_SIZE


class _OutOfTime(Exception):
    pass


class _Measure:
    """Depth and cost of an operation's selections, each fragment measured once (memoized)."""

    def __init__(self, context, seconds: float = VALIDATION_SECONDS) -> None:
        self.context = context
        self.schema = context.schema
        self.fragments: dict[str, tuple[int, int]] = {}
        self.in_progress: set[str] = set()
        self.deadline = time.monotonic() + seconds
        self.ticks = 0

    def _tick(self) -> None:
        self.ticks += 1
        if self.ticks % 512 == 0 and time.monotonic() > self.deadline:
            raise _OutOfTime

    def _definition(self, parent_type, name: str):
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent_type is self.schema.query_type and name in ("__schema", "__type"):
            return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
        return getattr(parent_type, "fields", {}).get(name)

    def fragment(self, name: str) -> tuple[int, int]:
        if name in self.fragments:
            return self.fragments[name]
        if name in self.in_progress:
            return 0, 0  # a cycle: reported by the standard NoFragmentCycles rule
        fragment = self.context.get_fragment(name)
        if fragment is None:
            return 0, 0
        self.in_progress.add(name)
        try:
            result = self.selections(
                fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value)
            )
        finally:
            self.in_progress.discard(name)
        self.fragments[name] = result
        return result

    def selections(self, selection_set, parent_type) -> tuple[int, int]:
        """(depth, cost) of ``selection_set`` on ``parent_type``."""
        depth = cost = 0
        for selection in selection_set.selections if selection_set else ():
            self._tick()
            if isinstance(selection, FieldNode):
                name = selection.name.value
                definition = self._definition(parent_type, name)
                named = get_named_type(definition.type) if definition is not None else None
                below_depth, below_cost = (
                    self.selections(selection.selection_set, named)
                    if selection.selection_set
                    else (0, 0)
                )
                if not name.startswith("__"):  # introspection is not limited in depth
                    depth = max(depth, 1 + below_depth)
                cost += 1 + _multiplier(selection, named) * below_cost
                if name == "__schema":  # the whole schema, whatever is selected below
                    cost += SCHEMA_INTROSPECTION_COST
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = (
                    self.schema.get_type(condition.name.value) if condition else parent_type
                )
                below_depth, below_cost = self.selections(selection.selection_set, fragment_type)
                depth, cost = max(depth, below_depth), cost + below_cost
            elif isinstance(selection, FragmentSpreadNode):
                below_depth, below_cost = self.fragment(selection.name.value)
                depth, cost = max(depth, below_depth), cost + below_cost
            cost = min(cost, _CAP)
        return depth, cost


def _root_type(schema, operation: OperationDefinitionNode):
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]


def _measured(context, node: OperationDefinitionNode) -> tuple[int, int] | None:
    """(depth, cost) of ``node``, computed once per validation for both rules; None: out of
    time."""
    cache = context.__dict__.setdefault("_zw_measures", {})
    key = id(node)
    if key not in cache:
        measure = cache.setdefault("_measure", _Measure(context))
        try:
            cache[key] = measure.selections(node.selection_set, _root_type(context.schema, node))
        except (_OutOfTime, RecursionError):
            cache[key] = None
    return cache[key]


def _out_of_time_error(node) -> GraphQLError:
    error = _error(
        "query_too_complex",
        "查询过于复杂，无法在时限内检查完毕。",
        "The query is too complex to check in time.",
        node,
    )
    error.transient = True  # depends on the clock: graphql_api.documents does not keep it
    return error


def depth_limit_rule(max_depth: int = MAX_DEPTH) -> type[ValidationRule]:
    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            measured = _measured(self.context, node)
            if measured is None:
                return  # the complexity rule reports it
            depth = measured[0]
            if depth > max_depth:
                self.report_error(
                    _error(
                        "query_too_deep",
                        f"查询嵌套 {depth} 层，超过上限 {max_depth} 层。",
                        f"The query is {depth} levels deep; the limit is {max_depth}.",
                        node,
                    )
                )

    return DepthLimit


def complexity_limit_rule(max_complexity: int = MAX_COMPLEXITY) -> type[ValidationRule]:
    class ComplexityLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            measured = _measured(self.context, node)
            if measured is None:
                self.report_error(_out_of_time_error(node))
                return
            if measured[1] > max_complexity:
                self.report_error(
                    _error(
                        "query_too_complex",
                        f"查询过于复杂（估算超过 {max_complexity}），请减少字段、别名或每页条数。",
                        f"The query is too complex (over {max_complexity}); ask for fewer "
                        "fields, aliases or nodes per page.",
                        node,
                    )
                )

    return ComplexityLimit


def login_limit_rule(max_logins: int = MAX_LOGINS) -> type[ValidationRule]:
    """At most ``max_logins`` ``login`` fields in a document (aliases and fragments counted)."""

    class LoginLimit(ValidationRule):
        def __init__(self, context) -> None:
            super().__init__(context)
            self.logins = 0

        def enter_field(self, node: FieldNode, *_args):
            mutation = self.context.schema.mutation_type
            if node.name.value == "login" and self.context.get_parent_type() is mutation:
                self.logins += 1
                if self.logins == max_logins + 1:
                    self.report_error(
                        _error(
                            "too_many_logins",
                            "一次请求只能登录一次。",
                            "Log in once per request.",
                            node,
                        )
                    )

    return LoginLimit


def query_cost(schema, document) -> int:
    """The complexity of ``document``'s first operation (for tests and docs)."""
    from graphql.utilities import TypeInfo
    from graphql.validation import ValidationContext

    context = ValidationContext(schema, document, TypeInfo(schema), lambda error: None)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return _Measure(context, seconds=60).selections(
        operation.selection_set, _root_type(schema, operation)
    )[1]


# --- before validation: size and text --------------------------------------------------------


def _bad_characters(field: str) -> RequestRejected:
    return RequestRejected(
        _("“%(field)s”含有不允许的控制字符（如空字符）。"),
        code="invalid_characters",
        field=field,
        params={"field": field},
    )


class _DocumentCounter(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.fields = self.aliases = 0
        self.bad_string: str | None = None

    def enter_field(self, node: FieldNode, *_args):
        self.fields += 1
        if node.alias is not None:
            self.aliases += 1

    def enter_string_value(self, node: StringValueNode, *_args):
        if self.bad_string is None and CONTROL_CHARACTERS.search(node.value):
            self.bad_string = node.value


def check_document(
    document: DocumentNode, *, max_fields: int = MAX_FIELDS, max_aliases: int = MAX_ALIASES
) -> None:
    """Refuse a document with too many fields or aliases, or a control character in a string
    literal (``RequestRejected``). One pass, no fragment followed."""
    counter = _DocumentCounter()
    visit(document, counter)
    if counter.fields > max_fields:
        raise RequestRejected(
            _("查询包含 %(count)d 个字段，超过上限 %(limit)d 个。"),
            code="query_too_large",
            params={"count": counter.fields, "limit": max_fields},
        )
    if counter.aliases > max_aliases:
        raise RequestRejected(
            _("查询使用了 %(count)d 个别名，超过上限 %(limit)d 个。"),
            code="too_many_aliases",
            params={"count": counter.aliases, "limit": max_aliases},
        )
    if counter.bad_string is not None:
        raise _bad_characters("query")


def query_too_large(limit: int) -> RequestRejected:
    return RequestRejected(
        _("查询文本过长（上限 %(limit)d 字节或相应数量的记号）。"),
        code="query_too_large",
        params={"limit": limit},
    )


def check_variables(variables, *, max_depth: int = MAX_INPUT_DEPTH) -> None:
    """Refuse variables nested deeper than ``max_depth`` or holding a control character in any
    string (keys included). Iterative: no input can exhaust the stack here."""
    if variables is None:
        return
    if not isinstance(variables, dict):
        raise RequestRejected(_("变量应为对象（键值对）。"), code="invalid_variables")
    stack: list[tuple[object, int, str]] = [(variables, 0, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > max_depth:
            raise RequestRejected(
                _("变量嵌套超过 %(limit)d 层。"),
                code="input_too_deep",
                field=path.split(".")[0] or None,
                params={"limit": max_depth},
            )
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                raise _bad_characters(path or "variables")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and CONTROL_CHARACTERS.search(key):
                    raise _bad_characters(path or "variables")
                stack.append((item, depth + 1, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, path) for item in value)


def rules(settings_source, base: Iterable[type[ValidationRule]]) -> tuple:
    """The validation rules of an endpoint: graphql-core's ``base`` and the limits above.
    The same limits give the same rule classes (built once, not on every request)."""
    return _rules(
        tuple(base),
        getattr(settings_source, "GRAPHQL_MAX_DEPTH", MAX_DEPTH),
        getattr(settings_source, "GRAPHQL_MAX_COMPLEXITY", MAX_COMPLEXITY),
    )


@functools.lru_cache(maxsize=16)
def _rules(base: tuple, max_depth: int, max_complexity: int) -> tuple:
    return (
        *base,
        depth_limit_rule(max_depth),
        complexity_limit_rule(max_complexity),
        login_limit_rule(),
    )
