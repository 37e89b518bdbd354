"""The deciding hops' ratings on the case projection, after a rebuild of it."""

from __future__ import annotations

from django.db import connection


def reapply_ratings(centre_ids: list[int]) -> int:
    """Set ``network_caserecord.rating`` from the deciding hops' ratings of these centres (a
    rebuild recreates the rows from the centres' schemas, which do not hold them)."""
    if not centre_ids:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE network_caserecord r SET rating = g.level FROM ratings_rating g "
            "WHERE g.deciding AND g.centre_id = r.centre_id AND g.case_id = r.case_id "
            "AND r.centre_id = ANY(%s)",
            [list(centre_ids)],
        )
        return cur.rowcount
