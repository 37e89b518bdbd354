"""Custody as the network sees it (public schema): one row per case per centre with the papers
held there, and one row per hand-over discrepancy flagged at a centre.

Written by ``custody.services`` in the same transaction as the hand-over (as
``network.CaseRecord`` is by the case services), so the township's workload page and the
assessment read a few rows instead of the centres' schemas.
"""

from __future__ import annotations

from django.db import models


class PaperRecord(models.Model):
    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    centre_code = models.CharField(max_length=12)
    tier = models.CharField(max_length=10)
    case_id = models.BigIntegerField()
    tracking_no = models.CharField(max_length=30)
    #: Sheets of paper (originals, copies, results) held at the centre for the case.
    papers_held = models.PositiveIntegerField(default=0)
    #: Hand-overs of the case into or out of the centre not yet confirmed by the receiver.
    pending = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "case_id"], name="paper_record_once")
        ]
        indexes = [
            models.Index(
                fields=["centre_code"],
                name="paper_record_code_idx",
                opclasses=["varchar_pattern_ops"],
            )
        ]


class DiscrepancyRecord(models.Model):
    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    centre_code = models.CharField(max_length=12)
    tier = models.CharField(max_length=10)
    case_id = models.BigIntegerField()
    tracking_no = models.CharField(max_length=30)
    handover_id = models.UUIDField()
    flagged_at = models.DateTimeField()
    missing = models.PositiveIntegerField(default=0)
    extra = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "handover_id"], name="discrepancy_record_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["centre_code", "flagged_at"],
                name="discrepancy_code_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            )
        ]
