"""The base of every mutation: check who calls, run one service call, return errors as values.

A subclass declares its ``Arguments``, its output fields and ``perform_mutation``, which calls
the service and returns the payload's fields as a dict. A ``DomainError`` becomes the payload's
``errors`` and its savepoint is rolled back, so nothing of a failed mutation remains. Who calls
(``authorize``) fails as a top-level error instead (HTTP 401/403): there is no payload for
someone who may not call at all.
"""

from __future__ import annotations

import graphene
from django.db import transaction

from core.errors import DomainError
from graphql_api.errors import ApiError
from graphql_api.loaders import clear_loaders


class BaseMutation(graphene.Mutation):
    class Meta:
        abstract = True

    errors = graphene.List(
        graphene.NonNull(ApiError),
        required=True,
        description="What went wrong; empty on success. On error nothing was changed.",
    )

    #: Run the service in a savepoint rolled back on error. A service that must keep something
    #: of a failure (the login throttle's count) manages its own transactions: set False.
    atomic = True

    @classmethod
    def authorize(cls, info):
        """Raise if the caller may not call this mutation at all; return what perform needs."""
        return None

    @classmethod
    def perform_mutation(cls, info, auth, **data) -> dict:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root, info, **data):
        auth = cls.authorize(info)
        try:
            if cls.atomic:
                with transaction.atomic():
                    fields = cls.perform_mutation(info, auth, **data)
            else:
                fields = cls.perform_mutation(info, auth, **data)
        except DomainError as exc:
            return cls(errors=ApiError.list_from_domain(exc))
        finally:
            clear_loaders(info.context)  # nothing read before the change is served after it
        return cls(errors=[], **fields)
