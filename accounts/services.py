"""Identity services: users, memberships, login, tokens and logout.

Tokens are bearer tokens for phones and scripts: ``zw_`` followed by 43 random URL-safe
characters. Only their SHA-256 is stored. A token is issued at one centre and is valid only
there (a token issued on the network endpoint has no centre and is valid only on the network
endpoint): a login at one centre gives nothing at another. Each failure has a stable code:

* ``invalid_credentials`` wrong username or password (which one is not said);
* ``not_member`` the user holds no role that works at this centre;
* ``too_many_attempts`` too many failed logins lately from this client: for this username a
  growing delay, or for all usernames together the client's cap (``login``): refused, even
  with the right password, until the delay or the window has passed;
* ``token_invalid`` malformed or unknown token, or the user was deactivated;
* ``token_expired`` / ``token_revoked``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ROLE_TIERS, ApiToken, LoginFailure, MemberRole, Membership
from accounts.permissions import DESK_ROLES, NETWORK_ROLES, require_head
from core import sql
from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import Actor
from tenants.divisions import Tier
from tenants.models import ServiceCentre

TOKEN_PREFIX = "zw_"
_TOKEN_BYTES = 32  # 43 URL-safe characters
#: last_used_at is written at most this often per token (a request need not always write).
_TOUCH_INTERVAL = dt.timedelta(seconds=60)


class AuthenticationFailed(DomainError):
    """Who is calling could not be established (HTTP 401 at the API)."""

    code = "unauthenticated"


class TooManyAttempts(AuthenticationFailed):
    code = "too_many_attempts"


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is shown once; ``record`` is what is stored."""

    token: str
    record: ApiToken


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "API_TOKEN_TTL_HOURS", 24 * 14))


# --- users and memberships ---------------------------------------------------------------------


@transaction.atomic
def create_user(username: str, *, password: str, display_name: str = "", validate: bool = True):
    """Create a user whose password is hashed with argon2 (the first of PASSWORD_HASHERS)."""
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise DomainError(_("用户名不能为空。"), code="required", field="username")
    if User.objects.filter(username=username).exists():
        raise DomainError(
            _("用户名“%(username)s”已被使用。"),
            code="duplicate_username",
            field="username",
            params={"username": username},
        )
    user = User(username=username, first_name=display_name.strip()[:150])
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError(
                _("密码不符合要求：%(reasons)s"),
                code="weak_password",
                field="password",
                params={"reasons": " ".join(exc.messages)},
            ) from exc
    user.set_password(password)
    user.save()
    return user


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def grant_membership(user, centre: ServiceCentre, role: str) -> Membership:
    """Give ``user`` ``role`` at ``centre`` (idempotent; reactivates an ended membership)."""
    if role not in MemberRole.values:
        raise DomainError(
            _("角色“%(role)s”无效。"), code="invalid_role", field="role", params={"role": role}
        )
    if centre.tier not in ROLE_TIERS[role]:
        raise DomainError(
            _("%(role)s不能设在%(tier)s。"),
            code="role_not_at_tier",
            field="role",
            params={"role": MemberRole(role).label, "tier": Tier(centre.tier).label},
        )
    membership = Membership.objects.filter(user=user, centre=centre, role=role).first()
    if membership is None:
        try:
            with transaction.atomic():
                return Membership.objects.create(
                    user=user, centre=centre, centre_tier=centre.tier, role=role
                )
        except IntegrityError:  # a concurrent grant of the same membership
            membership = Membership.objects.get(user=user, centre=centre, role=role)
    if not membership.is_active:
        membership.is_active, membership.ended_at = True, None
        membership.save(update_fields=["is_active", "ended_at"])
    return membership


@transaction.atomic
def end_membership(membership: Membership) -> Membership:
    """End a membership; the user's tokens issued at that centre stop working at once."""
    if membership.is_active:
        membership.is_active, membership.ended_at = False, timezone.now()
        membership.save(update_fields=["is_active", "ended_at"])
    return membership


#: The roles a centre head gives and ends at their own centre. Heads themselves and the
#: network roles (assessor, dictionary admin) are appointed by the city (admin, commands).
HEAD_APPOINTS = frozenset({MemberRole.AGENT, MemberRole.STAFF})


def _require_appointable(role: str) -> None:
    if role not in HEAD_APPOINTS:
        raise DomainError(
            _("中心负责人只能任免本中心的窗口工作人员和村代办员。"),
            code="role_not_appointable",
            field="role",
        )


@transaction.atomic
def appoint(
    actor: Actor,
    centre: ServiceCentre,
    *,
    username: str,
    role: str,
    display_name: str = "",
    password: str = "",
) -> Membership:
    """A centre head gives ``role`` at their centre to a user, creating the account (with its
    display name and an initial password) when the username is new."""
    require_head(actor, centre)
    _require_appointable(role)
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise DomainError(_("用户名不能为空。"), code="required", field="username")
    user = User.objects.filter(username=username).first()
    if user is None:
        if not password:
            raise DomainError(
                _("用户“%(username)s”不存在；新建账号请同时填写姓名和初始密码。"),
                code="user_not_found",
                field="password",
                params={"username": username},
            )
        if not (display_name or "").strip():
            raise DomainError(_("新建账号须填写姓名。"), code="required", field="display_name")
        user = create_user(username, password=password, display_name=display_name)
    elif password:
        raise DomainError(
            _("用户“%(username)s”已存在，不能在此设置其密码。"),
            code="user_exists",
            field="password",
            params={"username": username},
        )
    return grant_membership(user, centre, role)


@transaction.atomic
def dismiss(actor: Actor, centre: ServiceCentre, membership_id: int) -> Membership:
    """A centre head ends a membership at their centre (the row stays, as history)."""
    require_head(actor, centre)
    membership = (
        Membership.objects.select_for_update().filter(pk=membership_id, centre=centre).first()
    )
    if membership is None:
        raise NotFound(_("本中心没有这项任职。"), code="membership_not_found", field="membership")
    _require_appointable(membership.role)
    return end_membership(membership)


# --- login, tokens, logout -----------------------------------------------------------------------


def login(
    username: str,
    password: str,
    *,
    centre: ServiceCentre | None,
    label: str = "",
    address: str | None = None,
) -> IssuedToken:
    """Check the password and issue a token valid at ``centre`` (None: the network endpoint).

    At a centre the user must hold a desk role there (agent, staff or head); on the network
    endpoint any active membership will do (what each query allows is checked per query).

    Throttling, per client (``address``, the caller's IP), over
    ``LOGIN_FAILURE_WINDOW_MINUTES``; every attempt that fails or is refused is counted:

    * per (username, client): ``LOGIN_FAILURES_BEFORE_DELAY`` free failures, then each further
      attempt must wait ``LOGIN_DELAY_SECONDS`` after the last one, doubled at each failure up
      to ``LOGIN_MAX_DELAY_SECONDS``. Nobody elsewhere can lock a user out: the owner's own
      client has its own count.
    * per client, all usernames together: past ``LOGIN_FAILURES_PER_CLIENT`` failures every
      login from there is refused until the window has passed (no guessing across names).

    A failure is written in its own statement before the error is raised, so call this outside
    a transaction (the API's Login mutation does) or the rollback takes the count with it.
    """
    user = check_password(username, password, address=address)
    with transaction.atomic():
        roles = DESK_ROLES if centre is not None else DESK_ROLES | NETWORK_ROLES
        memberships = Membership.objects.filter(user=user, is_active=True, role__in=roles)
        if centre is not None:
            memberships = memberships.filter(centre=centre)
        if not memberships.exists():
            raise PermissionDenied(
                _("该账号在本中心没有任职，不能登录。")
                if centre is not None
                else _("该账号没有任何有效任职，不能登录。"),
                code="not_member",
            )
        clear_failures(username, address=address)
        return issue_token(user, centre=centre, label=label)


def login_delay(failures: int) -> dt.timedelta:
    """How long (username, client) must wait after its last failure, having failed ``failures``
    times in the window."""
    free = settings.LOGIN_FAILURES_BEFORE_DELAY
    if failures < free:
        return dt.timedelta(0)
    seconds = settings.LOGIN_DELAY_SECONDS * 2 ** min(failures - free, 30)
    return dt.timedelta(seconds=min(seconds, settings.LOGIN_MAX_DELAY_SECONDS))


def user_key(username: str) -> str:
    """The key failed logins are counted under (the username, case-folded)."""
    return (username or "").strip().casefold()[:150]


def check_password(username: str, password: str, *, address: str | None = None):
    """The active user ``username`` if ``password`` is theirs, under the login throttle.

    The first half of ``login`` (the web app's session login calls it too): every failed or
    refused attempt is counted in its own statement, so call it outside a transaction. The right
    password does not clear the count here; ``clear_failures`` does, once the caller has let
    the user in.
    """
    name = (username or "").strip()
    key = user_key(name)
    address = address or None
    try:
        _check_throttle(key, address)
    except TooManyAttempts:
        LoginFailure.objects.create(username=key, address=address)  # refused ones count too
        raise
    user = authenticate(username=name, password=password or "")
    if user is None:  # unknown user, wrong password or deactivated: one answer for all
        LoginFailure.objects.create(username=key, address=address)
        raise AuthenticationFailed(
            _("用户名或密码错误。"), code="invalid_credentials", field="password"
        )
    return user


def clear_failures(username: str, *, address: str | None = None) -> None:
    """The right password (and a role to work in) clears this client's count for the name, not
    other clients'."""
    LoginFailure.objects.filter(username=user_key(username), address=address or None).delete()


def _check_throttle(key: str, address: str | None) -> None:
    now = timezone.now()
    since = now - dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    LoginFailure.objects.filter(at__lt=since).delete()  # expired: nothing to keep
    client = LoginFailure.objects.filter(at__gte=since)
    client = client.filter(address=address) if address else client.filter(address__isnull=True)
    if client.count() >= settings.LOGIN_FAILURES_PER_CLIENT:
        raise TooManyAttempts(
            _("登录失败次数过多，请 %(minutes)d 分钟后再试。"),
            code="too_many_attempts",
            field="password",
            params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
        )
    pair = client.filter(username=key).aggregate(failures=Count("id"), last=Max("at"))
    if pair["failures"]:
        wait = pair["last"] + login_delay(pair["failures"]) - now
        if wait > dt.timedelta(0):
            raise TooManyAttempts(
                _("登录失败次数过多，请 %(seconds)d 秒后再试。"),
                code="too_many_attempts",
                field="password",
                params={"seconds": max(1, math.ceil(wait.total_seconds()))},
            )


def issue_token(user, *, centre: ServiceCentre | None, label: str = "") -> IssuedToken:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    now = timezone.now()
    record = ApiToken.objects.create(
        user=user,
        centre=centre,
        key_hash=hash_token(raw),
        prefix=raw[:10],
        label=(label or "")[:100],
        created_at=now,
        expires_at=now + token_ttl(),
    )
    return IssuedToken(raw, record)


def authenticate_token(raw: str) -> ApiToken:
    """The token record for ``raw`` (with its user), or ``AuthenticationFailed`` with the code."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        raise AuthenticationFailed(_("令牌无效。"), code="token_invalid")
    token = _token_with_user(hash_token(raw))
    if token is None or not token.user.is_active:
        raise AuthenticationFailed(_("令牌无效。"), code="token_invalid")
    if token.is_revoked:
        raise AuthenticationFailed(_("令牌已注销，请重新登录。"), code="token_revoked")
    now = timezone.now()
    if token.is_expired(now):
        raise AuthenticationFailed(_("令牌已过期，请重新登录。"), code="token_expired")
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _token_with_user(key_hash: str) -> ApiToken | None:
    """The token with this hash and its user, in one statement written once (every API request
    runs it; ``core.sql``)."""
    tokens, users = sql.shape(ApiToken, "t"), sql.shape(get_user_model(), "u")
    for token, user in sql.joined(
        [tokens, users],
        f"FROM {tokens.table} t JOIN {users.table} u ON u.id = t.user_id WHERE t.key_hash = %s",
        [key_hash],
    ):
        token.user = user
        return token
    return None


def logout(token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=token.revoked_at
        )
    return token


def revoke_all_tokens(user) -> int:
    """Revoke every live token of ``user`` (e.g. a lost phone). Returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
