"""Admin for assessments: read-only views of schemes, runs and their results.

Runs are frozen records and schemes are versioned, both written through ``assessment.services``
(the API and ``manage.py run_assessment``), never edited here.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessment.models import AssessmentResult, AssessmentRun, ScoringScheme


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "stuck_after_working_days", "created_by", "created_at"]
    list_filter = ["name"]
    search_fields = ["name", "description"]
    ordering = ["name", "-version"]


@admin.register(AssessmentRun)
class AssessmentRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "subtree_code", "period_start", "period_end", "scheme", "score",
                    "created_by", "created_at", "duration_ms"]  # fmt: skip
    list_filter = ["scheme", "period_end"]
    search_fields = ["subtree_code", "created_by"]
    date_hierarchy = "created_at"
    list_select_related = ["scheme"]
    ordering = ["-created_at"]
    exclude = ["summary"]

    @admin.display(description=_("总得分"))
    def score(self, obj: AssessmentRun):
        return obj.summary.get("score")


@admin.register(AssessmentResult)
class AssessmentResultAdmin(ReadOnlyAdmin):
    list_display = ["run", "scope", "code", "name", "tier", "score", "rank"]
    list_filter = ["scope", "tier", "run"]
    search_fields = ["code", "name"]
    ordering = ["-run_id", "scope", "rank", "code"]
    list_select_related = ["run"]
