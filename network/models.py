"""The case projection: what the network may know of every case, kept in the public schema."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.sql import QuickFromDb


class CaseRecord(QuickFromDb, models.Model):
    """One case at one centre, as projected from that centre's schema.

    Written by the delegation service layer in the same transaction as the case change (so it
    is never ahead of or behind the case), rebuildable from the centres' schemas with
    ``manage.py rebuild_projections``. ``centre_code`` is a division code, so a subtree is a
    prefix (county 420506 → ``420506%``), which the pattern index serves.
    """

    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    centre_code = models.CharField(max_length=12)
    tier = models.CharField(max_length=10)
    case_id = models.BigIntegerField()
    tracking_no = models.CharField(max_length=30, db_index=True)
    origin_centre = models.CharField(max_length=12)
    item_code = models.CharField(max_length=40)
    item_version_id = models.BigIntegerField()
    handling_type = models.CharField(max_length=10)
    legal_limit_days = models.PositiveSmallIntegerField()
    promised_limit_days = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=20)
    state = models.CharField(max_length=20)
    effective_state = models.CharField(max_length=20)
    received_from_centre = models.CharField(max_length=12, blank=True)
    forwarded_to_centre = models.CharField(max_length=12, blank=True)
    submitted_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True)
    escalated_at = models.DateTimeField(null=True)
    decided_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    clock_started_on = models.DateField(null=True)
    due_on = models.DateField(null=True)
    elapsed_working_days = models.IntegerField(null=True)
    on_time = models.BooleanField(null=True)
    early = models.BooleanField(null=True)
    saved_vs_legal = models.IntegerField(null=True)
    saved_vs_promised = models.IntegerField(null=True)
    calendar_fallback = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True)
    #: SHA-256 of tracking number and query code: the second factor of anonymous tracking.
    query_code_hash = models.CharField(max_length=64, blank=True)
    #: When the case left this centre: handed up (escalated_at), else decided here
    #: (decided_at), else closed here (refused or withdrawn, closed_at). NULL while held here.
    left_at = models.DateTimeField(null=True)
    #: Working days the case was held here, (arrival, left_at], clock pauses excluded;
    #: computed when it leaves (so the assessment never calls the calendar in SQL).
    working_days_held = models.IntegerField(null=True)
    #: While received and not yet accepted (not at a village): the day its intake window runs
    #: from, the receipt or the day a supplement after a pre-acceptance notice completed it.
    intake_on = models.DateField(null=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "case_id"], name="case_record_centre_case_unique"
            )
        ]
        indexes = [
            models.Index(fields=["centre_code", "submitted_at"], name="case_record_centre_sub_idx"),
            models.Index(
                fields=["centre_code"],
                name="case_record_code_pattern_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["decided_at"], name="case_record_decided_idx"),
            # "Open at time T" (held here, not left by T) = left_at IS NULL OR left_at > T.
            models.Index(fields=["left_at"], name="case_record_left_idx"),
        ]


class TrackingFailure(models.Model):
    """A failed anonymous tracking lookup, kept for the throttle window
    (``delegation.tracking.track_public``): wrong number and wrong code alike."""

    client = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["client", "at"], name="tracking_failure_client_idx"),
            models.Index(fields=["at"], name="tracking_failure_at_idx"),
        ]


class StateCount(models.Model):
    """How many of a centre's cases are in each state: the worklist's tab counts.

    Fed by a row-level trigger on ``network_caserecord`` (``network.state_counts``), so it
    changes in the same transaction as the projection row and so as the case itself. Reading a
    centre's counts is one index lookup of a handful of rows, whatever the number of cases (a
    county holds ~130,000 a year; counting them per page view cost ~100 ms).
    """

    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=20)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "state"], name="state_count_centre_state")
        ]
