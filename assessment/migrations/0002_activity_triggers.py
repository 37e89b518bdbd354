"""Triggers that keep the activity buckets in step with network_caserecord.

Generated once from ``assessment.activity.trigger_sql("Asia/Shanghai")`` and frozen here; a
change to the counting rules needs a new migration that replaces these functions and rebuilds
the buckets (``manage.py rebuild_projections``). Dates are local to Asia/Shanghai
(``settings.TIME_ZONE``).
"""

from django.db import migrations

TRIGGERS = """
CREATE OR REPLACE FUNCTION assessment_activity_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
INSERT INTO assessment_activitybucket AS b (centre_id, centre_code, tier, grain, starts_on, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
SELECT e.centre_id, e.centre_code, e.tier, g.grain, CASE g.grain WHEN 'd' THEN e.day ELSE date_trunc('month', e.day)::date END, sum(e.received), sum(e.accepted), sum(e.refused), sum(e.completed), sum(e.completed_immediate), sum(e.completed_on_time), sum(e.completed_early), sum(e.completed_late), sum(e.saved_vs_legal), sum(e.saved_vs_promised), sum(e.rated_1), sum(e.rated_2), sum(e.rated_3), sum(e.rated_4), sum(e.rated_5), sum(e.forwarded), sum(e.escalated), sum(e.departed), sum(e.held_days)
    FROM (SELECT r.centre_id, r.centre_code, r.tier, e.*
    FROM new_rows r
    CROSS JOIN LATERAL (VALUES ((r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ((r.accepted_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.state = 'refused' AND r.escalated_at IS NULL THEN (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.decided_at IS NOT NULL AND r.escalated_at IS NULL THEN (r.decided_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 1 * 1, 1 * (r.handling_type = 'immediate')::int, 1 * (r.on_time IS TRUE)::int, 1 * (r.early IS TRUE)::int, 1 * (r.on_time IS FALSE)::int, 1 * coalesce(r.saved_vs_legal, 0), 1 * coalesce(r.saved_vs_promised, 0), 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.rating IS NOT NULL THEN (coalesce(r.decided_at, r.closed_at, r.submitted_at) AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * (r.rating = 1)::int, 1 * (r.rating = 2)::int, 1 * (r.rating = 3)::int, 1 * (r.rating = 4)::int, 1 * (r.rating = 5)::int, 0, 0, 0, 0),
        ((r.escalated_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * (r.tier = 'village')::int, 1 * (r.tier <> 'village')::int, 0, 0),
        ((r.left_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * 1, 1 * coalesce(r.working_days_held, 0))) AS e(day, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
    WHERE e.day IS NOT NULL) e CROSS JOIN (VALUES ('d'),
        ('m')) AS g(grain)
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(e.received) <> 0 OR sum(e.accepted) <> 0 OR sum(e.refused) <> 0 OR sum(e.completed) <> 0 OR sum(e.completed_immediate) <> 0 OR sum(e.completed_on_time) <> 0 OR sum(e.completed_early) <> 0 OR sum(e.completed_late) <> 0 OR sum(e.saved_vs_legal) <> 0 OR sum(e.saved_vs_promised) <> 0 OR sum(e.rated_1) <> 0 OR sum(e.rated_2) <> 0 OR sum(e.rated_3) <> 0 OR sum(e.rated_4) <> 0 OR sum(e.rated_5) <> 0 OR sum(e.forwarded) <> 0 OR sum(e.escalated) <> 0 OR sum(e.departed) <> 0 OR sum(e.held_days) <> 0
    ORDER BY 1, 4, 5
    ON CONFLICT (centre_id, grain, starts_on) DO UPDATE SET
    received = b.received + EXCLUDED.received, accepted = b.accepted + EXCLUDED.accepted, refused = b.refused + EXCLUDED.refused, completed = b.completed + EXCLUDED.completed, completed_immediate = b.completed_immediate + EXCLUDED.completed_immediate, completed_on_time = b.completed_on_time + EXCLUDED.completed_on_time, completed_early = b.completed_early + EXCLUDED.completed_early, completed_late = b.completed_late + EXCLUDED.completed_late, saved_vs_legal = b.saved_vs_legal + EXCLUDED.saved_vs_legal, saved_vs_promised = b.saved_vs_promised + EXCLUDED.saved_vs_promised, rated_1 = b.rated_1 + EXCLUDED.rated_1, rated_2 = b.rated_2 + EXCLUDED.rated_2, rated_3 = b.rated_3 + EXCLUDED.rated_3, rated_4 = b.rated_4 + EXCLUDED.rated_4, rated_5 = b.rated_5 + EXCLUDED.rated_5, forwarded = b.forwarded + EXCLUDED.forwarded, escalated = b.escalated + EXCLUDED.escalated, departed = b.departed + EXCLUDED.departed, held_days = b.held_days + EXCLUDED.held_days
;
RETURN NULL; END $$;
DROP TRIGGER IF EXISTS assessment_activity_insert ON network_caserecord;
CREATE TRIGGER assessment_activity_insert AFTER INSERT ON network_caserecord REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_activity_on_insert();
CREATE OR REPLACE FUNCTION assessment_activity_on_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
INSERT INTO assessment_activitybucket AS b (centre_id, centre_code, tier, grain, starts_on, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
SELECT e.centre_id, e.centre_code, e.tier, g.grain, CASE g.grain WHEN 'd' THEN e.day ELSE date_trunc('month', e.day)::date END, sum(e.received), sum(e.accepted), sum(e.refused), sum(e.completed), sum(e.completed_immediate), sum(e.completed_on_time), sum(e.completed_early), sum(e.completed_late), sum(e.saved_vs_legal), sum(e.saved_vs_promised), sum(e.rated_1), sum(e.rated_2), sum(e.rated_3), sum(e.rated_4), sum(e.rated_5), sum(e.forwarded), sum(e.escalated), sum(e.departed), sum(e.held_days)
    FROM (SELECT r.centre_id, r.centre_code, r.tier, e.*
    FROM new_rows r
    CROSS JOIN LATERAL (VALUES ((r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ((r.accepted_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.state = 'refused' AND r.escalated_at IS NULL THEN (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.decided_at IS NOT NULL AND r.escalated_at IS NULL THEN (r.decided_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 1 * 1, 1 * (r.handling_type = 'immediate')::int, 1 * (r.on_time IS TRUE)::int, 1 * (r.early IS TRUE)::int, 1 * (r.on_time IS FALSE)::int, 1 * coalesce(r.saved_vs_legal, 0), 1 * coalesce(r.saved_vs_promised, 0), 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.rating IS NOT NULL THEN (coalesce(r.decided_at, r.closed_at, r.submitted_at) AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * (r.rating = 1)::int, 1 * (r.rating = 2)::int, 1 * (r.rating = 3)::int, 1 * (r.rating = 4)::int, 1 * (r.rating = 5)::int, 0, 0, 0, 0),
        ((r.escalated_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * (r.tier = 'village')::int, 1 * (r.tier <> 'village')::int, 0, 0),
        ((r.left_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * 1, 1 * coalesce(r.working_days_held, 0))) AS e(day, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
    WHERE e.day IS NOT NULL
    UNION ALL
    SELECT r.centre_id, r.centre_code, r.tier, e.*
    FROM old_rows r
    CROSS JOIN LATERAL (VALUES ((r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, -1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ((r.accepted_at AT TIME ZONE 'Asia/Shanghai')::date, 0, -1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.state = 'refused' AND r.escalated_at IS NULL THEN (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, -1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.decided_at IS NOT NULL AND r.escalated_at IS NULL THEN (r.decided_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, -1 * 1, -1 * (r.handling_type = 'immediate')::int, -1 * (r.on_time IS TRUE)::int, -1 * (r.early IS TRUE)::int, -1 * (r.on_time IS FALSE)::int, -1 * coalesce(r.saved_vs_legal, 0), -1 * coalesce(r.saved_vs_promised, 0), 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.rating IS NOT NULL THEN (coalesce(r.decided_at, r.closed_at, r.submitted_at) AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 * (r.rating = 1)::int, -1 * (r.rating = 2)::int, -1 * (r.rating = 3)::int, -1 * (r.rating = 4)::int, -1 * (r.rating = 5)::int, 0, 0, 0, 0),
        ((r.escalated_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 * (r.tier = 'village')::int, -1 * (r.tier <> 'village')::int, 0, 0),
        ((r.left_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 * 1, -1 * coalesce(r.working_days_held, 0))) AS e(day, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
    WHERE e.day IS NOT NULL) e CROSS JOIN (VALUES ('d'),
        ('m')) AS g(grain)
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(e.received) <> 0 OR sum(e.accepted) <> 0 OR sum(e.refused) <> 0 OR sum(e.completed) <> 0 OR sum(e.completed_immediate) <> 0 OR sum(e.completed_on_time) <> 0 OR sum(e.completed_early) <> 0 OR sum(e.completed_late) <> 0 OR sum(e.saved_vs_legal) <> 0 OR sum(e.saved_vs_promised) <> 0 OR sum(e.rated_1) <> 0 OR sum(e.rated_2) <> 0 OR sum(e.rated_3) <> 0 OR sum(e.rated_4) <> 0 OR sum(e.rated_5) <> 0 OR sum(e.forwarded) <> 0 OR sum(e.escalated) <> 0 OR sum(e.departed) <> 0 OR sum(e.held_days) <> 0
    ORDER BY 1, 4, 5
    ON CONFLICT (centre_id, grain, starts_on) DO UPDATE SET
    received = b.received + EXCLUDED.received, accepted = b.accepted + EXCLUDED.accepted, refused = b.refused + EXCLUDED.refused, completed = b.completed + EXCLUDED.completed, completed_immediate = b.completed_immediate + EXCLUDED.completed_immediate, completed_on_time = b.completed_on_time + EXCLUDED.completed_on_time, completed_early = b.completed_early + EXCLUDED.completed_early, completed_late = b.completed_late + EXCLUDED.completed_late, saved_vs_legal = b.saved_vs_legal + EXCLUDED.saved_vs_legal, saved_vs_promised = b.saved_vs_promised + EXCLUDED.saved_vs_promised, rated_1 = b.rated_1 + EXCLUDED.rated_1, rated_2 = b.rated_2 + EXCLUDED.rated_2, rated_3 = b.rated_3 + EXCLUDED.rated_3, rated_4 = b.rated_4 + EXCLUDED.rated_4, rated_5 = b.rated_5 + EXCLUDED.rated_5, forwarded = b.forwarded + EXCLUDED.forwarded, escalated = b.escalated + EXCLUDED.escalated, departed = b.departed + EXCLUDED.departed, held_days = b.held_days + EXCLUDED.held_days
;
RETURN NULL; END $$;
DROP TRIGGER IF EXISTS assessment_activity_update ON network_caserecord;
CREATE TRIGGER assessment_activity_update AFTER UPDATE ON network_caserecord REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_activity_on_update();
CREATE OR REPLACE FUNCTION assessment_activity_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
INSERT INTO assessment_activitybucket AS b (centre_id, centre_code, tier, grain, starts_on, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
SELECT e.centre_id, e.centre_code, e.tier, g.grain, CASE g.grain WHEN 'd' THEN e.day ELSE date_trunc('month', e.day)::date END, sum(e.received), sum(e.accepted), sum(e.refused), sum(e.completed), sum(e.completed_immediate), sum(e.completed_on_time), sum(e.completed_early), sum(e.completed_late), sum(e.saved_vs_legal), sum(e.saved_vs_promised), sum(e.rated_1), sum(e.rated_2), sum(e.rated_3), sum(e.rated_4), sum(e.rated_5), sum(e.forwarded), sum(e.escalated), sum(e.departed), sum(e.held_days)
    FROM (SELECT r.centre_id, r.centre_code, r.tier, e.*
    FROM old_rows r
    CROSS JOIN LATERAL (VALUES ((r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, -1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ((r.accepted_at AT TIME ZONE 'Asia/Shanghai')::date, 0, -1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.state = 'refused' AND r.escalated_at IS NULL THEN (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, -1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.decided_at IS NOT NULL AND r.escalated_at IS NULL THEN (r.decided_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, -1 * 1, -1 * (r.handling_type = 'immediate')::int, -1 * (r.on_time IS TRUE)::int, -1 * (r.early IS TRUE)::int, -1 * (r.on_time IS FALSE)::int, -1 * coalesce(r.saved_vs_legal, 0), -1 * coalesce(r.saved_vs_promised, 0), 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.rating IS NOT NULL THEN (coalesce(r.decided_at, r.closed_at, r.submitted_at) AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 * (r.rating = 1)::int, -1 * (r.rating = 2)::int, -1 * (r.rating = 3)::int, -1 * (r.rating = 4)::int, -1 * (r.rating = 5)::int, 0, 0, 0, 0),
        ((r.escalated_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 * (r.tier = 'village')::int, -1 * (r.tier <> 'village')::int, 0, 0),
        ((r.left_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 * 1, -1 * coalesce(r.working_days_held, 0))) AS e(day, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
    WHERE e.day IS NOT NULL) e CROSS JOIN (VALUES ('d'),
        ('m')) AS g(grain)
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(e.received) <> 0 OR sum(e.accepted) <> 0 OR sum(e.refused) <> 0 OR sum(e.completed) <> 0 OR sum(e.completed_immediate) <> 0 OR sum(e.completed_on_time) <> 0 OR sum(e.completed_early) <> 0 OR sum(e.completed_late) <> 0 OR sum(e.saved_vs_legal) <> 0 OR sum(e.saved_vs_promised) <> 0 OR sum(e.rated_1) <> 0 OR sum(e.rated_2) <> 0 OR sum(e.rated_3) <> 0 OR sum(e.rated_4) <> 0 OR sum(e.rated_5) <> 0 OR sum(e.forwarded) <> 0 OR sum(e.escalated) <> 0 OR sum(e.departed) <> 0 OR sum(e.held_days) <> 0
    ORDER BY 1, 4, 5
    ON CONFLICT (centre_id, grain, starts_on) DO UPDATE SET
    received = b.received + EXCLUDED.received, accepted = b.accepted + EXCLUDED.accepted, refused = b.refused + EXCLUDED.refused, completed = b.completed + EXCLUDED.completed, completed_immediate = b.completed_immediate + EXCLUDED.completed_immediate, completed_on_time = b.completed_on_time + EXCLUDED.completed_on_time, completed_early = b.completed_early + EXCLUDED.completed_early, completed_late = b.completed_late + EXCLUDED.completed_late, saved_vs_legal = b.saved_vs_legal + EXCLUDED.saved_vs_legal, saved_vs_promised = b.saved_vs_promised + EXCLUDED.saved_vs_promised, rated_1 = b.rated_1 + EXCLUDED.rated_1, rated_2 = b.rated_2 + EXCLUDED.rated_2, rated_3 = b.rated_3 + EXCLUDED.rated_3, rated_4 = b.rated_4 + EXCLUDED.rated_4, rated_5 = b.rated_5 + EXCLUDED.rated_5, forwarded = b.forwarded + EXCLUDED.forwarded, escalated = b.escalated + EXCLUDED.escalated, departed = b.departed + EXCLUDED.departed, held_days = b.held_days + EXCLUDED.held_days
;
RETURN NULL; END $$;
DROP TRIGGER IF EXISTS assessment_activity_delete ON network_caserecord;
CREATE TRIGGER assessment_activity_delete AFTER DELETE ON network_caserecord REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION assessment_activity_on_delete();
"""

BACKFILL = """
INSERT INTO assessment_activitybucket AS b (centre_id, centre_code, tier, grain, starts_on, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
SELECT e.centre_id, e.centre_code, e.tier, g.grain, CASE g.grain WHEN 'd' THEN e.day ELSE date_trunc('month', e.day)::date END, sum(e.received), sum(e.accepted), sum(e.refused), sum(e.completed), sum(e.completed_immediate), sum(e.completed_on_time), sum(e.completed_early), sum(e.completed_late), sum(e.saved_vs_legal), sum(e.saved_vs_promised), sum(e.rated_1), sum(e.rated_2), sum(e.rated_3), sum(e.rated_4), sum(e.rated_5), sum(e.forwarded), sum(e.escalated), sum(e.departed), sum(e.held_days)
    FROM (SELECT r.centre_id, r.centre_code, r.tier, e.*
    FROM network_caserecord r
    CROSS JOIN LATERAL (VALUES ((r.submitted_at AT TIME ZONE 'Asia/Shanghai')::date, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        ((r.accepted_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.state = 'refused' AND r.escalated_at IS NULL THEN (r.closed_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 1 * 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.decided_at IS NOT NULL AND r.escalated_at IS NULL THEN (r.decided_at AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 1 * 1, 1 * (r.handling_type = 'immediate')::int, 1 * (r.on_time IS TRUE)::int, 1 * (r.early IS TRUE)::int, 1 * (r.on_time IS FALSE)::int, 1 * coalesce(r.saved_vs_legal, 0), 1 * coalesce(r.saved_vs_promised, 0), 0, 0, 0, 0, 0, 0, 0, 0, 0),
        (CASE WHEN r.rating IS NOT NULL THEN (coalesce(r.decided_at, r.closed_at, r.submitted_at) AT TIME ZONE 'Asia/Shanghai')::date END, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * (r.rating = 1)::int, 1 * (r.rating = 2)::int, 1 * (r.rating = 3)::int, 1 * (r.rating = 4)::int, 1 * (r.rating = 5)::int, 0, 0, 0, 0),
        ((r.escalated_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * (r.tier = 'village')::int, 1 * (r.tier <> 'village')::int, 0, 0),
        ((r.left_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 * 1, 1 * coalesce(r.working_days_held, 0))) AS e(day, received, accepted, refused, completed, completed_immediate, completed_on_time, completed_early, completed_late, saved_vs_legal, saved_vs_promised, rated_1, rated_2, rated_3, rated_4, rated_5, forwarded, escalated, departed, held_days)
    WHERE e.day IS NOT NULL) e CROSS JOIN (VALUES ('d'),
        ('m')) AS g(grain)
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(e.received) <> 0 OR sum(e.accepted) <> 0 OR sum(e.refused) <> 0 OR sum(e.completed) <> 0 OR sum(e.completed_immediate) <> 0 OR sum(e.completed_on_time) <> 0 OR sum(e.completed_early) <> 0 OR sum(e.completed_late) <> 0 OR sum(e.saved_vs_legal) <> 0 OR sum(e.saved_vs_promised) <> 0 OR sum(e.rated_1) <> 0 OR sum(e.rated_2) <> 0 OR sum(e.rated_3) <> 0 OR sum(e.rated_4) <> 0 OR sum(e.rated_5) <> 0 OR sum(e.forwarded) <> 0 OR sum(e.escalated) <> 0 OR sum(e.departed) <> 0 OR sum(e.held_days) <> 0
    ORDER BY 1, 4, 5"""

DROP = """DROP TRIGGER IF EXISTS assessment_activity_insert ON network_caserecord;DROP FUNCTION IF EXISTS assessment_activity_on_insert();DROP TRIGGER IF EXISTS assessment_activity_update ON network_caserecord;DROP FUNCTION IF EXISTS assessment_activity_on_update();DROP TRIGGER IF EXISTS assessment_activity_delete ON network_caserecord;DROP FUNCTION IF EXISTS assessment_activity_on_delete();"""


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0001_initial"),
        ("network", "0002_caserecord_holding_time"),
    ]

    operations = [
        migrations.RunSQL(TRIGGERS, DROP),
        # Cases projected before the triggers existed.
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
