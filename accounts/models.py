"""Identity (public schema): who works where in which role, and the API tokens they hold.

A person is a Django ``User``. What they may do comes only from their ``Membership`` rows: a
membership ties a user to one centre in one role, and a role exists only at the tiers where it
makes sense (an agent at a village, an assessor at the city, …). The database refuses anything
else: ``centre_tier`` is a copy of the centre's tier kept honest by a composite foreign key
(migration 0001), and a check constraint pairs roles with tiers.

``ApiToken`` stores only the SHA-256 of a token: the token itself is shown once, at login.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import Role
from tenants.divisions import Tier


class MemberRole(models.TextChoices):
    """The roles a person can hold (``core.roles.Role`` without the system)."""

    AGENT = Role.AGENT.value, Role.AGENT.label
    STAFF = Role.STAFF.value, Role.STAFF.label
    HEAD = Role.HEAD.value, Role.HEAD.label
    ASSESSOR = Role.ASSESSOR.value, Role.ASSESSOR.label
    DICTIONARY_ADMIN = Role.DICTIONARY_ADMIN.value, Role.DICTIONARY_ADMIN.label
    SUPERVISOR = Role.SUPERVISOR.value, Role.SUPERVISOR.label


#: The tiers at which each role may be held.
ROLE_TIERS: dict[str, frozenset[str]] = {
    MemberRole.AGENT: frozenset({Tier.VILLAGE}),
    MemberRole.STAFF: frozenset({Tier.TOWNSHIP, Tier.COUNTY, Tier.CITY}),
    MemberRole.HEAD: frozenset({Tier.VILLAGE, Tier.TOWNSHIP, Tier.COUNTY, Tier.CITY}),
    MemberRole.ASSESSOR: frozenset({Tier.CITY}),
    MemberRole.DICTIONARY_ADMIN: frozenset({Tier.CITY}),
    MemberRole.SUPERVISOR: frozenset({Tier.CITY, Tier.COUNTY}),
}


def _role_tier_condition() -> Q:
    condition = Q()
    for role, tiers in ROLE_TIERS.items():
        condition |= Q(role=role, centre_tier__in=sorted(tiers))
    return condition


class Membership(models.Model):
    """A user works at a centre in a role. Ending a membership keeps the row (history)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    centre = models.ForeignKey(
        "tenants.ServiceCentre",
        verbose_name=_("服务中心"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    # A copy of centre.tier, guarded by the composite foreign key (centre_id, centre_tier).
    centre_tier = models.CharField(max_length=10, choices=Tier.choices, editable=False)
    role = models.CharField(_("角色"), max_length=20, choices=MemberRole.choices)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["centre__division_code", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "centre", "role"], name="membership_user_centre_role_unique"
            ),
            models.CheckConstraint(
                name="membership_role_fits_tier", condition=_role_tier_condition()
            ),
            models.CheckConstraint(
                name="membership_ended_is_inactive",
                condition=Q(ended_at__isnull=True) | Q(is_active=False),
            ),
        ]
        indexes = [models.Index(fields=["centre", "role"], name="membership_centre_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.centre_id} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token. ``centre`` is where it was issued: it is valid only there (NULL: the
    network endpoint). Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    centre = models.ForeignKey(
        "tenants.ServiceCentre",
        verbose_name=_("签发中心"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: The first characters of the token, to tell tokens apart in lists (not a secret).
    prefix = models.CharField(_("令牌前缀"), max_length=12, editable=False)
    label = models.CharField(_("设备说明"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="api_token_expires_after_creation",
                condition=Q(expires_at__gt=models.F("created_at")),
            ),
            models.CheckConstraint(
                name="api_token_hash_shape", condition=Q(key_hash__regex=r"^[0-9a-f]{64}$")
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())


class LoginFailure(models.Model):
    """A failed password login, kept for the throttle window (``accounts.services.login``)."""

    #: The username as typed, case-folded (an unknown name is throttled like a known one).
    username = models.CharField(_("用户名"), max_length=150)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [
            models.Index(fields=["username", "at"], name="login_failure_user_idx"),
            models.Index(fields=["at"], name="login_failure_at_idx"),
            models.Index(fields=["address", "at"], name="login_failure_client_idx"),
        ]
