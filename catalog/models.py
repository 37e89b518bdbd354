"""The common item dictionary (事项库), shared by every centre (public schema).

An item (``ServiceItem``) is only an identity: a stable code, when it was created and whether
it is retired. Everything that describes it lives in immutable versions
(``ServiceItemVersion``): an adjustment creates version n+1, so a case that points at the
version it was filed under never changes under its feet, and a retired item's versions stay
readable. ``catalog.services`` is the only writer; the database refuses what the rules refuse
(see the constraints below and migration 0001: versions and materials cannot be updated,
and an item's current version must be one of its own).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from tenants.divisions import Tier

#: Item codes: upper-case letters, digits and inner hyphens (e.g. SX-0001, 000105001000).
ITEM_CODE_REGEX = r"^[A-Z0-9]([A-Z0-9-]{0,38}[A-Z0-9])?$"
#: Department codes: the same alphabet, shorter.
DEPARTMENT_CODE_REGEX = r"^[A-Z0-9]([A-Z0-9-]{0,18}[A-Z0-9])?$"
#: Upper bound for limits in working days: nothing in law comes near it, typos do.
MAX_LIMIT_DAYS = 999


class Category(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    BENEFIT = "benefit", _("行政给付")
    CONFIRMATION = "confirmation", _("行政确认")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    OTHER = "other", _("其他")


class HandlingType(models.TextChoices):
    IMMEDIATE = "immediate", _("即办件")
    PROMISED = "promised", _("承诺件")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ORIGINAL_AND_COPY = "original_and_copy", _("原件及复印件")


class Department(models.Model):
    """The department responsible for items (e.g. 市场监督管理局)."""

    code = models.CharField(_("部门编码"), max_length=20, unique=True)
    name = models.CharField(_("部门名称"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("责任部门")
        verbose_name_plural = _("责任部门")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="department_code_shape", condition=Q(code__regex=DEPARTMENT_CODE_REGEX)
            ),
            models.CheckConstraint(
                name="department_name_not_blank", condition=Q(name__regex=r"\S")
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """The identity of an item across its versions."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    # Kept in step by catalog.services (always the highest version); a composite foreign key
    # added in migration 0001 makes sure it is one of this item's own versions.
    current_version = models.OneToOneField(
        "ServiceItemVersion",
        verbose_name=_("当前版本"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="current_of",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    retired_at = models.DateTimeField(_("取消时间"), null=True, blank=True, editable=False)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("取消人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="item_code_shape", condition=Q(code__regex=ITEM_CODE_REGEX)
            ),
        ]
        indexes = [
            # Prefix search on codes, whatever the database collation.
            models.Index(
                fields=["code"], opclasses=["varchar_pattern_ops"], name="item_code_prefix_idx"
            ),
            models.Index(fields=["retired_at"], name="item_retired_at_idx"),
        ]

    def __str__(self) -> str:
        name = self.current_version.name if self.current_version_id else ""
        return f"{self.code} {name}".strip()

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class ServiceItemVersion(models.Model):
    """One immutable description of an item. Cases point here, never at ``ServiceItem``."""

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("事项名称"), max_length=200)
    category = models.CharField(_("事项类别"), max_length=20, choices=Category.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="versions"
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    handling_type = models.CharField(_("办件类型"), max_length=10, choices=HandlingType.choices)
    legal_limit_days = models.PositiveSmallIntegerField(_("法定时限（工作日）"))
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    fee = models.DecimalField(_("收费标准（元）"), max_digits=10, decimal_places=2, default=0)
    decision_tiers = ArrayField(
        models.CharField(max_length=10, choices=Tier.choices),
        verbose_name=_("可办结层级"),
    )
    proxy_eligible = models.BooleanField(_("可全程代办"))
    online_eligible = models.BooleanField(_("可网上申办"))
    change_note = models.TextField(_("变更说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        # Versions are immutable (no UPDATE, see migration 0001), so no SET_NULL here.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item__code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="version_item_version_unique"),
            # Target of the composite foreign key ServiceItem(current_version, id).
            models.UniqueConstraint(fields=["id", "item"], name="version_id_item_unique"),
            models.CheckConstraint(name="version_number_positive", condition=Q(version__gte=1)),
            models.CheckConstraint(name="version_name_not_blank", condition=Q(name__regex=r"\S")),
            models.CheckConstraint(
                name="version_category_valid", condition=Q(category__in=Category.values)
            ),
            models.CheckConstraint(
                name="version_handling_type_valid",
                condition=Q(handling_type__in=HandlingType.values),
            ),
            models.CheckConstraint(
                name="version_promised_within_legal",
                condition=Q(promised_limit_days__lte=models.F("legal_limit_days")),
            ),
            models.CheckConstraint(
                name="version_immediate_has_no_promised_days",
                condition=~Q(handling_type=HandlingType.IMMEDIATE) | Q(promised_limit_days=0),
            ),
            models.CheckConstraint(
                name="version_promised_has_promised_days",
                condition=~Q(handling_type=HandlingType.PROMISED) | Q(promised_limit_days__gte=1),
            ),
            models.CheckConstraint(
                name="version_legal_limit_bounded",
                condition=Q(legal_limit_days__lte=MAX_LIMIT_DAYS),
            ),
            models.CheckConstraint(name="version_fee_not_negative", condition=Q(fee__gte=0)),
            models.CheckConstraint(
                name="version_decision_tiers_valid",
                condition=Q(decision_tiers__len__gt=0)
                & Q(decision_tiers__contained_by=Tier.values),
            ),
        ]
        indexes = [
            # Chinese substring search (name__icontains) uses this trigram index.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="version_name_trgm_idx"),
            models.Index(fields=["department"], name="version_department_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.version} {self.name}"

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def is_immediate(self) -> bool:
        return self.handling_type == HandlingType.IMMEDIATE

    def decidable_at(self, tier: str) -> bool:
        """Whether a centre of ``tier`` may decide this item."""
        return tier in self.decision_tiers


class Material(models.Model):
    """One required material of a version (immutable with it)."""

    version = models.ForeignKey(
        ServiceItemVersion,
        verbose_name=_("事项版本"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(_("材料形式"), max_length=20, choices=MaterialForm.choices)
    count = models.PositiveSmallIntegerField(_("份数"), default=1)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="material_position_unique"
            ),
            models.UniqueConstraint(fields=["version", "name"], name="material_name_unique"),
            models.CheckConstraint(name="material_position_positive", condition=Q(position__gte=1)),
            models.CheckConstraint(name="material_count_positive", condition=Q(count__gte=1)),
            models.CheckConstraint(
                name="material_form_valid", condition=Q(form__in=MaterialForm.values)
            ),
            # ";" and "|" separate materials in the dictionary files.
            models.CheckConstraint(
                name="material_name_shape",
                condition=Q(name__regex=r"\S") & ~Q(name__regex=r"[;|；｜]"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_form_display()}×{self.count}）"
