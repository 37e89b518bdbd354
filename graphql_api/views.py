"""The GraphQL endpoints: authentication at the door, limits, errors with codes, offline GraphiQL.

``/graphql/`` is the network endpoint (public schema); ``/c/<division_code>/graphql/`` (or any
path with ``X-Centre``) the centre's, running in that centre's schema (``core.routing``).

Authentication is by bearer token only (``Authorization: Bearer <token>``, from the ``login``
mutation); cookies and sessions are ignored, which is why the view needs no CSRF token. A
token is checked before any field runs: unknown, revoked or expired → HTTP 401; issued at
another centre (or for the other endpoint), or its user no longer holds a desk role here →
HTTP 403. No token: anonymous, which reaches only public fields and ``login``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView, HttpError

from accounts.permissions import actor_for
from accounts.services import AuthenticationFailed, authenticate_token
from core.errors import DomainError, PermissionDenied
from graphql import (
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql_api import documents, validation
from graphql_api.context import ApiContext
from graphql_api.errors import HTTP_STATUS, error_extensions

log = logging.getLogger(__name__)
INTERNAL_ERROR = _("服务器内部错误。")

NETWORK, CENTRE = "network", "centre"


def authenticate_request(request, endpoint: str) -> ApiContext:
    """The caller of ``request`` on ``endpoint``, or a ``DomainError`` saying why not."""
    centre = getattr(request, "centre", None) if endpoint == CENTRE else None
    context = ApiContext(endpoint=endpoint, centre=centre)
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return context
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthenticationFailed(
            _("Authorization 请求头应为“Bearer <令牌>”。"), code="token_invalid"
        )
    token = authenticate_token(raw)
    if endpoint == CENTRE:
        if token.centre_id != centre.id:
            raise PermissionDenied(
                _("该令牌不是在本中心（%(centre)s）登录取得的，在这里无效。"),
                code="wrong_centre",
                params={"centre": centre.name},
            )
        context.actor = actor_for(token.user, centre)
    elif token.centre_id is not None:
        raise PermissionDenied(
            _("该令牌只在签发它的中心有效；全网接口请在全网接口登录。"), code="wrong_endpoint"
        )
    context.user, context.token = token.user, token
    return context


def never_awaitable(value: object) -> bool:
    return False


class ApiView(GraphQLView):
    endpoint = NETWORK
    graphiql_template = "graphql_api/graphiql.html"

    def __init__(self, *, endpoint: str, **kwargs):
        # Rules passed in (not the settings' limits) make their own cache entries.
        custom = kwargs.get("validation_rules")
        self._custom_rules = tuple(custom) if custom is not None else None
        kwargs.setdefault("validation_rules", validation.rules(settings, specified_rules))
        kwargs.setdefault("graphiql", True)
        super().__init__(**kwargs)
        self.endpoint = endpoint

    def dispatch(self, request, *args, **kwargs):
        try:
            request.api = authenticate_request(request, self.endpoint)
            # graphene-django's dispatch without its ensure_csrf_cookie: this API takes bearer
            # tokens only, so a CSRF cookie protects nothing, and making one (a new random
            # secret, masked, set as a cookie) was ~15 % of an authenticated request's Python.
            return GraphQLView.dispatch.__wrapped__(self, request, *args, **kwargs)
        except DomainError as exc:  # the request as such is refused (auth, limits, bad input)
            return self._error_response(exc)
        except Exception:
            # A bug: logged with its traceback; the caller gets a code, never the internals
            # (nor Django's debug page, even with DEBUG on).
            log.exception("GraphQL request failed")
            return self._internal_error_response()

    def _internal_error_response(self) -> HttpResponse:
        with override("zh-hans"):
            message = str(INTERNAL_ERROR)
        with override("en"):
            english = str(INTERNAL_ERROR)
        body = {
            "errors": [
                {
                    "message": message,
                    "extensions": {"code": "internal_error", "field": None, "messageEn": english},
                }
            ]
        }
        return HttpResponse(
            json.dumps(body, ensure_ascii=False), status=500, content_type="application/json"
        )

    def parse_body(self, request):
        try:
            return super().parse_body(request)
        except RecursionError as exc:  # JSON nested beyond what the decoder can follow
            raise validation.RequestRejected(
                _("请求内容嵌套过深。"), code="input_too_deep"
            ) from exc

    def _error_response(self, exc: DomainError) -> HttpResponse:
        body = {
            "errors": [{"message": exc.message_in("zh-hans"), "extensions": error_extensions(exc)}]
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=HTTP_STATUS.get(exc.code, 403),
            content_type="application/json",
        )
        if response.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="zhengwu"'
        return response

    def execute_graphql_request(
        self, request, data, query, variables, operation_name, show_graphiql=False
    ):
        """graphene-django's, with the limits of ``graphql_api.validation`` before validation:
        query size and tokens, fields and aliases, control characters, variables' depth.
        Parsing and validation happen once per distinct document (``_verdict``)."""
        if not query:
            if show_graphiql:
                return None
            raise validation.RequestRejected(_("请求中没有查询语句。"), code="query_missing")
        max_bytes = getattr(settings, "GRAPHQL_MAX_QUERY_BYTES", validation.MAX_QUERY_BYTES)
        if not isinstance(query, str) or len(query.encode("utf-8", "replace")) > max_bytes:
            raise validation.query_too_large(max_bytes)
        validation.check_variables(variables)
        schema = self.schema.graphql_schema
        verdict = self._verdict(schema, query)
        verdict.raise_rejection()
        if verdict.syntax_error is not None:
            return ExecutionResult(errors=[verdict.syntax_error])
        document = verdict.document
        operation_ast = get_operation_ast(document, operation_name)
        if (
            request.method.lower() == "get"
            and operation_ast is not None
            and operation_ast.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(HttpResponseNotAllowed(["POST"], "Mutations only over POST."))
        if verdict.errors:
            return ExecutionResult(data=None, errors=list(verdict.errors))
        options = {
            "root_value": self.get_root_value(request),
            "context_value": self.get_context(request),
            "variable_values": variables,
            "operation_name": operation_name,
            "middleware": self.get_middleware(request),
        }
        if self.execution_context_class:
            options["execution_context_class"] = self.execution_context_class
        # Every resolver here is synchronous (WSGI; the batch loaders of graphql_api.loaders):
        # graphql-core's check of each of the ~1,250 values of a worklist page for an awaitable
        # is ~7 % of executing it, and never true.
        options["is_awaitable"] = never_awaitable
        try:  # each mutation is its own transaction (graphql_api.mutations), Login none
            return execute(schema, document, **options)
        except RecursionError as exc:
            raise validation.RequestRejected(
                _("请求内容嵌套过深。"), code="input_too_deep"
            ) from exc

    def _verdict(self, schema, query: str) -> documents.Verdict:
        """Parse and validate ``query`` (size, aliases, text, then graphql-core's rules and the
        limits), or take the verdict of an identical earlier request (``graphql_api.documents``).
        The key holds every limit in force, so changed settings never reuse an old verdict."""
        limits = tuple(
            getattr(settings, name, default)
            for name, default in (
                ("GRAPHQL_MAX_QUERY_BYTES", validation.MAX_QUERY_BYTES),
                ("GRAPHQL_MAX_TOKENS", validation.MAX_TOKENS),
                ("GRAPHQL_MAX_FIELDS", validation.MAX_FIELDS),
                ("GRAPHQL_MAX_ALIASES", validation.MAX_ALIASES),
                ("GRAPHQL_MAX_DEPTH", validation.MAX_DEPTH),
                ("GRAPHQL_MAX_COMPLEXITY", validation.MAX_COMPLEXITY),
            )
        )
        max_bytes, max_tokens, max_fields, max_aliases = limits[:4]
        rules = self.validation_rules

        def build() -> documents.Verdict:
            try:
                document = parse(query, max_tokens=max_tokens)
            except GraphQLError as exc:
                if "tokens" in exc.message and "aborted" in exc.message:  # the token budget
                    return documents.Verdict(rejection=validation.query_too_large(max_bytes))
                return documents.Verdict(syntax_error=exc)
            try:
                validation.check_document(document, max_fields=max_fields, max_aliases=max_aliases)
            except validation.RequestRejected as exc:
                return documents.Verdict(rejection=exc)
            errors = validate(schema, document, rules, max_errors=20)
            return documents.Verdict(document=document, errors=tuple(errors))

        return documents.cache.verdict(
            (self.endpoint, id(schema), query, limits, self._custom_rules),
            query,
            build,
            size=getattr(settings, "GRAPHQL_DOCUMENT_CACHE_SIZE", documents.DEFAULT_SIZE),
            max_bytes=getattr(
                settings, "GRAPHQL_DOCUMENT_CACHE_MAX_BYTES", documents.DEFAULT_MAX_BYTES
            ),
        )

    def get_response(self, request, data, show_graphiql=False):
        query, variables, operation_name, _id = self.get_graphql_params(request, data)
        result = self.execute_graphql_request(
            request, data, query, variables, operation_name, show_graphiql
        )
        if result is None:
            return None, 200
        response: dict = {}
        status = 200
        if result.errors:
            response["errors"] = [self.format_error(e) for e in result.errors]
            status = self._status(result.errors, response["errors"])
        if status != 400:
            response["data"] = result.data
        return self.json_encode(request, response, pretty=show_graphiql), status

    @staticmethod
    def _status(errors, formatted) -> int:
        if any(not getattr(e, "path", None) for e in errors):
            codes = {f.get("extensions", {}).get("code") for f in formatted}
            statuses = {HTTP_STATUS[c] for c in codes if c in HTTP_STATUS}
            return 400 if not statuses or 400 in statuses else max(statuses)
        statuses = [HTTP_STATUS.get(f.get("extensions", {}).get("code"), 200) for f in formatted]
        # The most telling: 401 before 403 (log in first), 400s before both.
        for status in (400, 401, 403):
            if status in statuses:
                return status
        return 200

    @staticmethod
    def format_error(error):
        formatted = GraphQLView.format_error(error)
        original = getattr(error, "original_error", None)
        if isinstance(original, DomainError):
            formatted["message"] = original.message_in("zh-hans")
            formatted["extensions"] = error_extensions(original)
        elif original is not None and not getattr(error, "path", None):
            # Raised while the document was checked, before anything ran (a scalar's parser
            # refusing a literal, e.g. a malformed JSONString): the caller's input, not a bug.
            formatted["extensions"] = {
                "code": "bad_request",
                "field": None,
                "messageEn": formatted.get("message", ""),
            }
        elif original is not None and not isinstance(original, GraphQLError):
            # A bug, not a rule: log it, and do not show internals to the caller.
            # Never the exception's text (it may be PostgreSQL's, or worse), DEBUG or not.
            log.error("GraphQL resolver failed", exc_info=original)
            with override("zh-hans"):
                formatted["message"] = str(INTERNAL_ERROR)
            with override("en"):
                english = str(INTERNAL_ERROR)
            formatted["extensions"] = {
                "code": "internal_error",
                "field": None,
                "messageEn": english,
            }
        return formatted

    def render_graphiql(self, request, **data):
        centre = getattr(request, "centre", None)
        where = f"{centre.name}（{centre.division_code}）" if centre else "全网接口 / network"
        default_query = (
            f"# {where}\n"
            "# 1. 登录 / log in:\n"
            '#    mutation { login(username: "…", password: "…") { token errors { code message } } }\n'
            '# 2. Headers: {"Authorization": "Bearer <token>"}\n'
            "# 3. 示例操作见 graphql/operations/ (examples in graphql/operations/)\n"
            "query { me { username displayName } }\n"
        )
        return render(
            request,
            self.graphiql_template,
            {
                "endpoint": self.endpoint,
                "centre": centre,
                "graphiql_config": {"defaultQuery": default_query},
            },
        )


def graphql_view(endpoint: str):
    from core import schema

    chosen = schema.centre_schema if endpoint == CENTRE else schema.network_schema
    # Token authentication only (no cookies), so no cross-site request can act for anyone.
    return csrf_exempt(ApiView.as_view(schema=chosen, endpoint=endpoint))


# --- GraphiQL, served from this package (no CDN) ---------------------------------------------------

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
#: The only files served, with their content types (no path ever comes from the request).
ASSETS = {
    "graphiql-2.4.7.min.js": "text/javascript",
    "graphiql-2.4.7.min.css": "text/css",
    "react-17.0.2.production.min.js": "text/javascript",
    "react-dom-17.0.2.production.min.js": "text/javascript",
    "graphiql-init.js": "text/javascript",
}


def graphiql_asset(request, name: str):
    content_type = ASSETS.get(name)
    if content_type is None:
        raise Http404(name)
    response = FileResponse((ASSETS_DIR / name).open("rb"), content_type=content_type)
    if name != "graphiql-init.js":  # versioned names never change
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
