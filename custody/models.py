"""The applicant's papers in the proxy agent's custody (全程代办), at one centre (tenant schema).

A paper is known by its name and form (原件, 复印件, or a result such as a licence). Every
movement is a ``Handover`` with its ``HandoverLine``s: the applicant handing originals to the
agent (with the ``Authorization``), each hop up or down the chain (the two ends keep one record
each, under the same id), the result recorded where the case was decided, and the return to the
applicant against a signature. What a centre holds for a case is what came in (and arrived)
minus what went out: nothing is kept twice.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaperForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    RESULT = "result", _("办理结果")


class Route(models.TextChoices):
    FROM_APPLICANT = "from_applicant", _("申请人交来")
    UP = "up", _("上报移交")
    DOWN = "down", _("下送移交")
    RESULT = "result", _("办理结果入卷")
    TO_APPLICANT = "to_applicant", _("交还申请人")
    #: An original lost on the way: the applicant signs a statement of the loss instead.
    LOST = "lost", _("遗失说明")


class Authorization(models.Model):
    """委托代办: the applicant authorises the village agent to carry the case for them."""

    case = models.OneToOneField(
        "delegation.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("办件")
    )
    agent_name = models.CharField(_("受托代办员"), max_length=100)
    recorded_by = models.CharField(_("登记人"), max_length=100)
    authorised_at = models.DateTimeField(_("委托时间"))
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("委托代办")
        verbose_name_plural = _("委托代办")
        constraints = [
            models.CheckConstraint(
                name="authorization_agent_not_blank", condition=Q(agent_name__regex=r"\S")
            ),
        ]


class Handover(models.Model):
    """One movement of papers into or out of this centre. A hop's two ends share the id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "delegation.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("办件")
    )
    route = models.CharField(_("交接方式"), max_length=20, choices=Route.choices)
    #: True: the papers came to this centre; False: they left it.
    incoming = models.BooleanField()
    peer_centre = models.CharField(max_length=12, blank=True)
    sent_by = models.CharField(_("移交人"), max_length=100)
    sent_at = models.DateTimeField(_("移交时间"))
    received_by = models.CharField(_("接收人"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    #: The receiving end found a paper missing or one not on the list (flagged there, and
    #: reported to the sender with the receipt).
    discrepancy = models.BooleanField(_("交接差异"), default=False)

    class Meta:
        verbose_name = _("材料交接")
        verbose_name_plural = _("材料交接")
        indexes = [
            models.Index(fields=["case", "sent_at"], name="handover_case_idx"),
            models.Index(
                fields=["sent_at"], name="handover_pending_idx", condition=Q(received_at=None)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="handover_received_together",
                condition=Q(received_at__isnull=True, received_by="")
                | (Q(received_at__isnull=False) & ~Q(received_by="")),
            ),
            models.CheckConstraint(
                name="handover_route_direction",
                condition=Q(route__in=["from_applicant", "result"], incoming=True)
                | Q(route__in=["to_applicant", "lost"], incoming=False)
                | Q(route__in=["up", "down"]),
            ),
            models.CheckConstraint(
                name="handover_hop_has_peer",
                condition=~Q(route__in=["up", "down"]) | ~Q(peer_centre=""),
            ),
        ]

    @property
    def pending(self) -> bool:
        return self.received_at is None


class HandoverLine(models.Model):
    """One paper of a hand-over: listed by the sender, ticked (or not) by the receiver."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="lines")
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(_("材料形式"), max_length=10, choices=PaperForm.choices)
    count = models.PositiveSmallIntegerField(_("份数"), default=1)
    #: On the sender's list (False: found on arrival, not listed: an extra paper).
    listed = models.BooleanField(default=True)
    #: Ticked by the receiver: arrived (True) or missing (False); None until received.
    arrived = models.BooleanField(null=True)

    class Meta:
        ordering = ["handover_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handover", "name", "form"], name="handover_line_unique"
            ),
            models.CheckConstraint(name="handover_line_count", condition=Q(count__gte=1)),
            models.CheckConstraint(
                name="handover_line_extra_arrived",
                condition=Q(listed=True) | Q(arrived=True),
            ),
        ]
