"""Query limits, checked before anything runs: depth and complexity.

* Depth: the longest chain of nested fields (fragments followed), introspection excluded.
* Complexity: every field costs 1, and what is below a connection costs once per node it may
  return: the literal ``first``/``last``, ``MAX_PAGE_SIZE`` when it is a variable (validation
  does not see variable values), ``DEFAULT_PAGE_SIZE`` when absent. Aliases count separately, so
  one request cannot ask for the same heavy list fifty times.

Both fail with a GraphQL error (HTTP 400) whose ``extensions.code`` is ``query_too_deep`` or
``query_too_complex``.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    ValidationRule,
    get_named_type,
)
from graphql_api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

MAX_DEPTH = 10
MAX_COMPLEXITY = 5000


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


class _Walker:
    """Walks an operation's selections with their types, following fragments once per path."""

    def __init__(self, context) -> None:
        self.context = context
        self.schema = context.schema

    def _fields(self, selection_set, parent_type, path: frozenset):
        """Yield (field node, its definition's named return type) under ``selection_set``."""
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue  # introspection is not limited here
                definition = (
                    parent_type.fields.get(selection.name.value)
                    if isinstance(parent_type, GraphQLObjectType)
                    else getattr(parent_type, "fields", {}).get(selection.name.value)
                )
                named = get_named_type(definition.type) if definition is not None else None
                yield selection, named, path
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                fragment_type = (
                    self.schema.get_type(condition.name.value) if condition else parent_type
                )
                yield from self._fields(selection.selection_set, fragment_type, path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in path:
                    continue  # a cycle: reported by the standard NoFragmentCycles rule
                fragment = self.context.get_fragment(name)
                if fragment is None:
                    continue
                fragment_type = self.schema.get_type(fragment.type_condition.name.value)
                yield from self._fields(fragment.selection_set, fragment_type, path | {name})

    def depth(self, selection_set, parent_type, path=frozenset()) -> int:
        deepest = 0
        for field, named, fpath in self._fields(selection_set, parent_type, path):
            below = self.depth(field.selection_set, named, fpath) if field.selection_set else 0
            deepest = max(deepest, 1 + below)
        return deepest

    def cost(self, selection_set, parent_type, path=frozenset(), budget: int = 10**9) -> int:
        total = 0
        for field, named, fpath in self._fields(selection_set, parent_type, path):
            below = (
                self.cost(field.selection_set, named, fpath, budget) if field.selection_set else 0
            )
            total += 1 + _multiplier(field, named) * below
            if total > budget:  # stop early: the answer is "too much" already
                return total
        return total


def _root_type(schema, operation: OperationDefinitionNode):
    return {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]


def depth_limit_rule(max_depth: int = MAX_DEPTH) -> type[ValidationRule]:
    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            depth = _Walker(self.context).depth(
                node.selection_set, _root_type(self.context.schema, node)
            )
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
            cost = _Walker(self.context).cost(
                node.selection_set, _root_type(self.context.schema, node), budget=max_complexity
            )
            if cost > max_complexity:
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


def query_cost(schema, document) -> int:
    """The complexity of ``document``'s first operation (for tests and docs)."""
    from graphql.utilities import TypeInfo
    from graphql.validation import ValidationContext

    context = ValidationContext(schema, document, TypeInfo(schema), lambda error: None)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return _Walker(context).cost(operation.selection_set, _root_type(schema, operation))
