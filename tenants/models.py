"""The registry of service centres (public schema)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from tenants.divisions import PARENT_TIER, Tier

#: The six essentials (六有) of a service point, as (field name, label).
SIX_ESSENTIALS = [
    ("has_premises", _("有场所")),
    ("has_signage", _("有标识")),
    ("has_staff", _("有固定值守人员")),
    ("has_phone", _("有公开电话")),
    ("has_register", _("有服务台账")),
    ("has_procedures", _("有公开办事指南")),
]


class CentreStatus(models.TextChoices):
    ACTIVE = "active", _("运行")
    SUSPENDED = "suspended", _("暂停")


class ServiceCentre(TenantMixin):
    """One node of the network: a city or county centre, a township centre, a village room.

    Each has its own schema (``schema_name``, derived from ``tier`` and ``division_code``) that
    holds its cases. The tree is strict (county → city, township → county, village → township)
    and the database refuses anything else: see the constraints below and
    ``tenants.divisions`` for the code rules the service layer applies first.
    """

    # Schemas are provisioned in bulk from a template (tenants.provisioning), never by a
    # migration run per centre.
    auto_create_schema = False
    auto_drop_schema = False

    tier = models.CharField(_("层级"), max_length=10, choices=Tier.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级中心"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    parent_tier = models.CharField(  # noqa: DJ001 - NULL for the city, for the composite FK
        max_length=10, choices=Tier.choices, null=True, blank=True, editable=False
    )
    division_code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("公开电话"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CentreStatus.choices, default=CentreStatus.ACTIVE
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)

    has_premises = models.BooleanField(_("有场所"), default=False)
    has_signage = models.BooleanField(_("有标识"), default=False)
    has_staff = models.BooleanField(_("有固定值守人员"), default=False)
    has_phone = models.BooleanField(_("有公开电话"), default=False)
    has_register = models.BooleanField(_("有服务台账"), default=False)
    has_procedures = models.BooleanField(_("有公开办事指南"), default=False)
    facts_checked_on = models.DateField(_("六有核查日期"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务中心")
        verbose_name_plural = _("服务中心")
        ordering = ["division_code"]
        constraints = [
            # The tree is strict. parent_tier is a copy of the parent's tier, kept honest by
            # the composite foreign key below, so these checks see the parent's real tier.
            models.CheckConstraint(
                name="centre_parent_tier_matches",
                condition=(
                    Q(tier=Tier.CITY, parent__isnull=True, parent_tier__isnull=True)
                    | Q(tier=Tier.COUNTY, parent__isnull=False, parent_tier=Tier.CITY)
                    | Q(tier=Tier.TOWNSHIP, parent__isnull=False, parent_tier=Tier.COUNTY)
                    | Q(tier=Tier.VILLAGE, parent__isnull=False, parent_tier=Tier.TOWNSHIP)
                ),
            ),
            models.CheckConstraint(
                name="centre_division_code_shape",
                condition=(
                    Q(tier=Tier.CITY, division_code__regex=r"^[0-9]{2}([0-9][1-9]|[1-9][0-9])00$")
                    | Q(tier=Tier.COUNTY, division_code__regex=r"^[0-9]{4}([0-9][1-9]|[1-9][0-9])$")
                    | Q(
                        tier=Tier.TOWNSHIP,
                        division_code__regex=r"^[0-9]{6}([0-9]{2}[1-9]|[0-9][1-9][0-9]|[1-9][0-9]{2})000$",
                    )
                    | Q(
                        tier=Tier.VILLAGE,
                        division_code__regex=r"^[0-9]{9}([0-9]{2}[1-9]|[0-9][1-9][0-9]|[1-9][0-9]{2})$",
                    )
                ),
            ),
            models.CheckConstraint(
                name="centre_schema_name_derived",
                condition=Q(schema_name__regex=r"^(city|county)_[0-9]{6}$|^(town|vill)_[0-9]{12}$"),
            ),
            models.UniqueConstraint(fields=["id", "tier"], name="centre_id_tier_unique"),
        ]
        indexes = [models.Index(fields=["parent", "tier"], name="centre_parent_tier_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.division_code}）"

    @property
    def six_essentials(self) -> dict[str, bool]:
        return {field: getattr(self, field) for field, _label in SIX_ESSENTIALS}

    @property
    def has_all_six(self) -> bool:
        return all(self.six_essentials.values())

    @property
    def expected_parent_tier(self) -> str | None:
        return PARENT_TIER[self.tier]


class CentreStatusChange(models.Model):
    """One change of a centre's status (append-only), so a past period can be assessed.

    Written by ``tenants.services`` with every status it gives a centre (provisioning and
    ``set_centre_status``). The status in force at time T is the latest change at or before T;
    before a centre's first recorded change its first recorded status is taken to hold.
    """

    centre = models.ForeignKey(
        ServiceCentre, on_delete=models.PROTECT, related_name="status_changes"
    )
    status = models.CharField(_("状态"), max_length=10, choices=CentreStatus.choices)
    changed_at = models.DateTimeField(_("变更时间"))

    class Meta:
        verbose_name = _("中心状态变更")
        verbose_name_plural = _("中心状态变更")
        ordering = ["centre_id", "changed_at", "id"]
        indexes = [models.Index(fields=["centre", "changed_at"], name="centre_status_change_idx")]
        constraints = [
            models.CheckConstraint(
                name="centre_status_change_valid",
                condition=Q(status__in=CentreStatus.values),
            )
        ]


class ServicePointCheck(models.Model):
    """One 六有 check of a centre (append-only): the six facts as found on ``checked_on``.

    Written by ``tenants.services`` whenever facts are recorded (provisioning,
    ``record_service_point_facts``); the centre's own fields hold the latest. The facts in force
    on day D are those of the latest check on or before D (ties: the later record); before a
    centre's first check, its first check is taken to hold, as for the status history.
    """

    centre = models.ForeignKey(ServiceCentre, on_delete=models.PROTECT, related_name="fact_checks")
    checked_on = models.DateField(_("核查日期"))
    has_premises = models.BooleanField(_("有场所"))
    has_signage = models.BooleanField(_("有标识"))
    has_staff = models.BooleanField(_("有固定值守人员"))
    has_phone = models.BooleanField(_("有公开电话"))
    has_register = models.BooleanField(_("有服务台账"))
    has_procedures = models.BooleanField(_("有公开办事指南"))
    recorded_at = models.DateTimeField(_("记录时间"))
    recorded_by = models.CharField(_("记录人"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("六有核查记录")
        verbose_name_plural = _("六有核查记录")
        ordering = ["centre_id", "checked_on", "id"]
        indexes = [models.Index(fields=["centre", "checked_on"], name="service_point_check_idx")]

    @property
    def six_essentials(self) -> dict[str, bool]:
        return {field: getattr(self, field) for field, _label in SIX_ESSENTIALS}


class Domain(DomainMixin):
    """Optional host names for centres that have their own (e.g. the city centre's site).

    Most centres have none: they are reached by path, see ``core.routing``.
    """

    class Meta:
        verbose_name = _("域名")
        verbose_name_plural = _("域名")
