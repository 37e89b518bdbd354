"""The projections rebuilt from the centres' schemas equal the ones kept incrementally."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from assessment.activity import bucket_rows, rebuild_activity
from network.models import CaseRecord
from network.projection import projection_rows


@pytest.fixture(autouse=True)
def _db(db):
    pass


def test_rebuilt_projection_equals_the_incremental_one(may_module):
    incremental = projection_rows()
    buckets = bucket_rows()
    assert len(incremental) == 15  # every case at every centre it reached
    assert any(row[-1] for row in incremental)  # working days held were projected

    out = io.StringIO()
    call_command("rebuild_projections", stdout=out)

    assert projection_rows() == incremental
    assert bucket_rows() == buckets
    assert "15" in out.getvalue()


def test_rebuild_repairs_a_damaged_projection(may_module):
    incremental = projection_rows()
    buckets = bucket_rows()
    township = may_module["network"]["420506101000"]
    CaseRecord.objects.filter(centre=township).delete()  # the triggers take its buckets out too
    CaseRecord.objects.filter(centre_code="420506").update(working_days_held=99)
    with connection.cursor() as cur:  # and a bucket drifts behind the triggers' back
        cur.execute("UPDATE assessment_activitybucket SET received = received + 7")
    assert projection_rows() != incremental

    call_command("rebuild_projections", stdout=io.StringIO())

    assert projection_rows() == incremental
    assert bucket_rows() == buckets


def test_rebuild_one_centre(may_module):
    incremental = projection_rows()
    buckets = bucket_rows()
    CaseRecord.objects.filter(centre_code="420506").update(working_days_held=None)

    call_command("rebuild_projections", "--centre", "420506", stdout=io.StringIO())

    assert projection_rows() == incremental
    assert bucket_rows() == buckets


def test_the_triggers_follow_every_write(may_module):
    """Buckets kept by the triggers equal buckets recomputed from the projection."""
    kept = bucket_rows()
    rebuild_activity()
    assert bucket_rows() == kept
