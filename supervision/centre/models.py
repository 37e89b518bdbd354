"""A supervision order (督办) as the handling centre received it (tenant schema).

Written only by the inbox (``supervision.inbox``) when the order's message arrives, and by the
centre itself when it answers. Its id is the order's id at the issuing side (and the message
stream of both messages), so the two records of one order are the same order by construction.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supervision.models import Outcome, Step


class ReceivedOrder(models.Model):
    id = models.UUIDField(primary_key=True, editable=False)
    case = models.ForeignKey(
        "delegation.Case",
        verbose_name=_("办件"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    tracking_no = models.CharField(_("办件编号"), max_length=30)
    issuer_code = models.CharField(_("督办单位"), max_length=12)
    issuer_name = models.CharField(_("督办单位"), max_length=100)
    issued_by = models.CharField(_("督办人"), max_length=100)
    step = models.CharField(_("环节"), max_length=10, choices=Step.choices)
    deadline = models.DateField(_("督办期限"))
    note = models.TextField(_("督办意见"))
    issued_at = models.DateTimeField(_("督办时间"))
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)
    #: The case's state when the order arrived: the case "moved" once it leaves it.
    state_at_arrival = models.CharField(max_length=20)
    outcome = models.CharField(_("办理结果"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("情况说明"), blank=True)
    #: The state the case moved to (outcome "moved").
    moved_to = models.CharField(max_length=20, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.CharField(_("答复人"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("收到的督办")
        verbose_name_plural = _("收到的督办")
        constraints = [
            models.CheckConstraint(
                name="received_order_answered_has_time",
                condition=Q(outcome="") | Q(answered_at__isnull=False),
            ),
        ]
        indexes = [
            # The open orders of a case (the hook after every transition) and of the worklist.
            models.Index(fields=["case"], condition=Q(outcome=""), name="received_order_open_idx"),
        ]
