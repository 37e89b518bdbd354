"""Errors as the API shows them.

* A mutation that breaks a rule returns its errors in the payload (``errors: [ApiError!]!``):
  the ``DomainError``'s stable ``code``, the input ``field`` concerned, the message in Chinese
  and in English. Nothing was changed.
* Who is calling, and whether they may call this endpoint at all, fails before any field runs:
  top-level GraphQL errors whose ``extensions`` carry the same ``code``, ``field`` and
  ``messageEn``, with the HTTP status of ``HTTP_STATUS``.
"""

from __future__ import annotations

import logging

import graphene
from django.utils import translation

from core.error_codes import error_codes
from core.errors import DomainError
from graphql import GraphQLError

log = logging.getLogger(__name__)

#: HTTP status of a response whose top-level errors carry these codes (else 200, or 400 for a
#: query that did not validate).
HTTP_STATUS = {
    "unauthenticated": 401,
    "invalid_credentials": 401,
    "token_invalid": 401,
    "token_expired": 401,
    "token_revoked": 401,
    "too_many_attempts": 429,
    "not_member": 403,
    "wrong_centre": 403,
    "wrong_endpoint": 403,
    "permission_denied": 403,
    "out_of_jurisdiction": 403,
    "query_too_deep": 400,
    "query_too_complex": 400,
    "invalid_pagination": 400,
    "invalid_cursor": 400,
}


ErrorCode = graphene.Enum(
    "ErrorCode",
    [(code, code) for code in error_codes()],
    description=(
        "Every stable error code of the API (the same strings as `extensions.code` of top-level "
        "errors), so that clients can switch on them. Read from the service layer's source "
        "(`core.error_codes`): a rule's code is always here."
    ),
)
_KNOWN_CODES = frozenset(error_codes())


def _published(code: str) -> str:
    if code in _KNOWN_CODES:
        return code
    log.error("Error code %r is not in the ErrorCode enum (a code built at run time?)", code)
    return "invalid"


class ApiError(graphene.ObjectType):
    """A rule the request broke. Nothing was changed."""

    field = graphene.String(description="The input field concerned, if any (snake_case).")
    code = ErrorCode(required=True, description="Stable, machine-readable code.")
    message = graphene.String(required=True, description="For people, in Chinese.")
    message_en = graphene.String(required=True, description="The same message in English.")

    @staticmethod
    def from_domain(exc: DomainError) -> ApiError:
        data = exc.as_dict()
        return ApiError(
            field=data["field"],
            code=_published(data["code"]),
            message=data["message"],
            message_en=data["message_en"],
        )

    @staticmethod
    def list_from_domain(exc: DomainError) -> list[ApiError]:
        """One error per problem of a batch (``ValidationFailed``), else the error itself."""
        problems = getattr(exc, "problems", None)
        if not problems:
            return [ApiError.from_domain(exc)]
        errors = []
        for problem in problems:
            with translation.override("zh-hans"):
                chinese = str(problem.message)
            with translation.override("en"):
                english = str(problem.message)
            errors.append(
                ApiError(
                    field=problem.column,
                    code=_published(problem.code),
                    message=chinese,
                    message_en=english,
                )
            )
        return errors


def error_extensions(exc: DomainError) -> dict:
    data = exc.as_dict()
    return {"code": data["code"], "field": data["field"], "messageEn": data["message_en"]}


def graphql_error(exc: DomainError, node=None) -> GraphQLError:
    """A top-level GraphQL error for ``exc`` (validation rules, the view)."""
    return GraphQLError(exc.message_in("zh-hans"), node, extensions=error_extensions(exc))
