"""SQL other apps splice into their own statements to write notifications set-based."""

from __future__ import annotations

#: A data-modifying CTE for ``supervision.services.INSERT_SQL``: the desk of the centre that
#: held each case hears of the warnings the statement recorded (its CTE ``recorded`` returns
#: centre_id, tracking_no, step, level). Up to ``%(each_up_to)s`` new warnings of one level at
#: one centre: one notification each, naming the case and the step; more: one digest for that
#: level with their count (``tracking_no`` empty; the worklist's warning filter lists them), so
#: a first evaluation, or a centre that let many cases run late at once, is told once, not
#: thousands of times. Plain inserts, like the warnings' own: each warning is new (evaluations
#: run one at a time under their advisory lock), so is its notification; a digest's key names
#: the run (``%(run)s``), and the unique ``dedupe_key`` still forbids a second one.
WARNING_NOTIFICATIONS_CTE = """, warning_counts AS (
    SELECT r.centre_id, r.level, count(*) AS n FROM recorded r GROUP BY r.centre_id, r.level
), warning_notifications AS (
    INSERT INTO public.notifications_staffnotification
           (centre_id, kind, tracking_no, text_args, dedupe_key, created_at, read_by)
    SELECT r.centre_id, 'warning_' || r.level, r.tracking_no, jsonb_build_object('step', r.step),
           'warning:' || r.level || ':' || r.step || ':' || r.centre_id || ':' || r.tracking_no,
           now(), ''
      FROM recorded r
      JOIN warning_counts c ON c.centre_id = r.centre_id AND c.level = r.level
     WHERE c.n <= %(each_up_to)s
    UNION ALL
    SELECT c.centre_id, 'warning_' || c.level, '', jsonb_build_object('count', c.n),
           'warnings:' || c.level || ':' || c.centre_id || ':' || %(run)s, now(), ''
      FROM warning_counts c
     WHERE c.n > %(each_up_to)s
)"""
