"""SQL other apps splice into their own statements to write notifications set-based."""

from __future__ import annotations

#: A data-modifying CTE for ``supervision.services.INSERT_SQL``: one staff notification per
#: warning the statement recorded (its CTE ``recorded`` returns centre_id, tracking_no, step,
#: level), to the centre that held the case. A plain insert, like the warnings' own: each
#: warning is new (evaluations run one at a time under their advisory lock), so is its
#: notification; the unique ``dedupe_key`` still forbids a second one.
WARNING_NOTIFICATIONS_CTE = """, warning_notifications AS (
    INSERT INTO public.notifications_staffnotification
           (centre_id, kind, tracking_no, text_args, dedupe_key, created_at, read_by)
    SELECT r.centre_id, 'warning_' || r.level, r.tracking_no, jsonb_build_object('step', r.step),
           'warning:' || r.level || ':' || r.step || ':' || r.centre_id || ':' || r.tracking_no,
           now(), ''
      FROM recorded r
)"""
