"""The assessment service layer: who may assess, scoring schemes, running, comparing, exporting.

Every public function takes the acting ``core.roles.Actor`` and checks it with
``require_assessor`` first: the rule "only assessors, within their own jurisdiction" lives here,
not in the GraphQL resolvers or the command that call these functions.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require_in_jurisdiction
from assessment import indicators as ind
from assessment.defaults import DEFAULT_SCHEME, DEFAULT_SCHEME_NAME
from assessment.models import AssessmentResult, AssessmentRun, Scope, ScoringScheme
from assessment.scoring import rank, score, validate_definition
from core import replica
from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import Actor, Role
from tenants.divisions import SUBTREE_PREFIX_LENGTH, Tier
from tenants.models import ServiceCentre

#: progress(step, total, label): the command's progress bar.
Progress = Callable[[int, int, str], None]

STEPS = ["registry", "activity", "open_cases", "scoring", "storing"]


# --- who may assess ------------------------------------------------------------------------------


def require_assessor(actor: Actor, subtree_code: str | None = None) -> ServiceCentre:
    """The assessor's own centre, if ``actor`` is an assessor whose jurisdiction covers
    ``subtree_code`` (assessors are city staff: their jurisdiction is their centre's subtree)."""
    if actor is None or actor.role != Role.ASSESSOR:
        raise PermissionDenied(_("只有考核人员可以进行覆盖考核。"), code="not_assessor")
    centre = ServiceCentre.objects.filter(division_code=actor.centre).first()
    if centre is None:
        raise PermissionDenied(
            _("考核人员所在中心“%(code)s”不存在。"),
            code="assessor_centre_unknown",
            params={"code": actor.centre},
        )
    if subtree_code is not None:
        require_in_jurisdiction(centre, subtree_code, field="subtree")
    return centre


# --- 六有 checks -------------------------------------------------------------------------------------


def record_check(
    actor: Actor, centre_code: str, *, checked_on: dt.date, **essentials: bool
) -> ServiceCentre:
    """An assessor records a 六有 check of a service point in their jurisdiction: the six facts
    as found on ``checked_on`` (kept in the centre's history; see ``ServicePointCheck``)."""
    from tenants.services import record_service_point_facts

    require_assessor(actor, centre_code)
    centre = ServiceCentre.objects.filter(division_code=(centre_code or "").strip()).first()
    if centre is None:
        raise NotFound(
            _("没有行政区划代码为“%(code)s”的服务中心。"),
            code="centre_not_found",
            field="centre_code",
            params={"code": centre_code},
        )
    return record_service_point_facts(
        centre, checked_on=checked_on, recorded_by=actor.name, **essentials
    )


# --- scoring schemes --------------------------------------------------------------------------------


def ensure_default_scheme() -> ScoringScheme:
    """The default scheme's first version (seeded by a migration; re-created if missing)."""
    scheme = ScoringScheme.objects.filter(name=DEFAULT_SCHEME_NAME).order_by("version").first()
    if scheme is None:
        scheme, _created = ScoringScheme.objects.get_or_create(
            name=DEFAULT_SCHEME_NAME,
            version=1,
            defaults={"created_by": "system", **DEFAULT_SCHEME},
        )
    return scheme


def list_schemes(actor: Actor, *, name: str | None = None) -> list[ScoringScheme]:
    require_assessor(actor)
    ensure_default_scheme()
    qs = ScoringScheme.objects.all()
    if name:
        qs = qs.filter(name=name)
    return list(qs)


def get_scheme(actor: Actor, name: str | None = None, version: int | None = None) -> ScoringScheme:
    """A scheme version: the latest of ``name`` (default: the default scheme) unless given."""
    require_assessor(actor)
    return _scheme(name, version)


def _scheme(name: str | None, version: int | None) -> ScoringScheme:
    if not name:
        ensure_default_scheme()
        name = DEFAULT_SCHEME_NAME
    qs = ScoringScheme.objects.filter(name=name)
    scheme = qs.filter(version=version).first() if version else qs.order_by("-version").first()
    if scheme is None:
        raise NotFound(
            _("没有考核方案“%(name)s”%(version)s。"),
            code="scheme_not_found",
            field="scheme",
            params={"name": name, "version": f" v{version}" if version else ""},
        )
    return scheme


def revise_scheme(
    actor: Actor,
    *,
    name: str,
    indicators: list | None = None,
    adjustments: list | None = None,
    stuck_after_working_days: int | None = None,
    satisfied_min_rating: int | None = None,
    description: str | None = None,
) -> ScoringScheme:
    """Save a new version of scheme ``name`` (version 1 of a new scheme). What is not given is
    taken from the latest version (or the default scheme for a new name). Past versions, and
    the runs that used them, never change."""
    require_assessor(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("考核方案须有名称。"), code="scheme_name_required", field="name")
    with transaction.atomic():
        latest = (
            ScoringScheme.objects.select_for_update().filter(name=name).order_by("-version").first()
        )
        base = latest or ensure_default_scheme()
        definition = {
            "indicators": base.indicators if indicators is None else indicators,
            "adjustments": base.adjustments if adjustments is None else adjustments,
            "stuck_after_working_days": base.stuck_after_working_days
            if stuck_after_working_days is None
            else stuck_after_working_days,
            "satisfied_min_rating": base.satisfied_min_rating
            if satisfied_min_rating is None
            else satisfied_min_rating,
        }
        validate_definition(**definition)
        return ScoringScheme.objects.create(
            name=name,
            version=(latest.version + 1) if latest else 1,
            description=base.description if description is None else description,
            created_by=actor.name,
            **definition,
        )


# --- computing -----------------------------------------------------------------------------------


@dataclass
class UnitResult:
    scope: str
    code: str
    tier: str
    name: str
    parent_code: str
    indicators: dict
    base_score: float = 0.0
    bonus: float = 0.0
    penalty: float = 0.0
    score: float = 0.0
    points: dict = field(default_factory=dict)
    idle: bool = False
    rank: int = 0
    peers: int = 0


@dataclass
class Computation:
    period: ind.Period
    as_of: dt.datetime
    units: list[UnitResult]
    summary: dict


def compute(
    root: ServiceCentre,
    period: ind.Period,
    scheme: ScoringScheme,
    *,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Computation:
    """Every indicator, score and rank of ``root``'s subtree for ``period`` (nothing stored).

    Its reads are network-wide: on the replica when one is configured (``core.replica``), and
    then the summary says how fresh the data read was (``read_from``)."""
    with replica.network_reads():
        computation = _compute(root, period, scheme, now=now, progress=progress)
        if replica.configured():
            computation.summary["read_from"] = replica.freshness().as_dict()
    return computation


def _compute(
    root: ServiceCentre,
    period: ind.Period,
    scheme: ScoringScheme,
    *,
    now: dt.datetime | None,
    progress: Progress | None,
) -> Computation:
    def step(name: str) -> None:
        if progress:
            progress(STEPS.index(name) + 1, len(STEPS), name)

    now = now or timezone.now()
    prefix = ind.subtree_prefix(root.tier, root.division_code)
    centres = ind.centre_rows(prefix)
    ind.facts_at(prefix, centres, period.end)
    status = ind.status_in_period(prefix, centres, period)
    step("registry")
    counters = ind.activity_counters(prefix, period)
    step("activity")
    as_of = min(period.end_at, now)
    as_of_date = min(period.end, timezone.localdate(now))
    cutoff = ind.stuck_cutoff(as_of_date, scheme.stuck_after_working_days)
    open_counts = ind.open_case_counters(
        prefix, as_of, as_of_date, ind.local_midnight(cutoff + dt.timedelta(days=1))
    )
    supervised = ind.supervision_counters(prefix, period)
    rectifications = ind.rectification_counters(prefix, period, as_of, as_of_date)
    custody = ind.custody_counters(prefix, period, as_of)
    step("open_cases")

    heads = {
        ind.subtree_prefix(c["tier"], c["division_code"]): c
        for c in centres
        if c["tier"] != Tier.VILLAGE or c["id"] == root.id
    }
    subtree_totals = {p: dict.fromkeys(ind.TOTALS, 0) for p in heads}
    units: list[UnitResult] = []
    for centre in centres:
        code = centre["division_code"]
        totals = ind.centre_totals(
            centre,
            counters.get(centre["id"], {}),
            open_counts.get(centre["id"], {}),
            status[centre["id"]],
            supervised.get(centre["id"]),
            custody.get(centre["id"]),
        )
        totals.update(rectifications.get(centre["id"], {}))
        for p in {code[:n] for n in SUBTREE_PREFIX_LENGTH.values()}:  # every subtree above it
            if p in subtree_totals:
                ind.add_totals(subtree_totals[p], totals)
        indicators = ind.derive(totals, scheme.satisfied_min_rating)
        indicators["active_at_end"] = status[centre["id"]]["active_at_end"]
        indicators["active_share"] = status[centre["id"]]["active_share"]
        units.append(_unit(Scope.CENTRE, centre, indicators))
    for p, head in heads.items():
        indicators = ind.derive(subtree_totals[p], scheme.satisfied_min_rating)
        units.append(_unit(Scope.SUBTREE, head, indicators))

    by_group: dict[tuple[str, str], list[UnitResult]] = defaultdict(list)
    for unit in units:
        card = score(unit.indicators, scheme)
        unit.base_score, unit.bonus, unit.penalty = card.base, card.bonus, card.penalty
        unit.score, unit.points, unit.idle = card.score, card.points, card.idle
        by_group[(unit.scope, unit.tier)].append(unit)
    for group in by_group.values():
        for unit, position in zip(group, rank([u.score for u in group]), strict=True):
            unit.rank, unit.peers = position, len(group)
    step("scoring")

    root_unit = next(u for u in units if u.scope == Scope.SUBTREE and u.code == root.division_code)
    summary = {
        "subtree": {"code": root.division_code, "name": root.name, "tier": root.tier},
        "scheme": {"name": scheme.name, "version": scheme.version},
        "indicators": root_unit.indicators,
        "score": root_unit.score,
        "counts": {
            "centres": len(centres),
            "subtrees": len(heads),
        },
    }
    return Computation(period, as_of, units, summary)


def _unit(scope: str, centre: dict, indicators: dict) -> UnitResult:
    return UnitResult(
        scope=scope,
        code=centre["division_code"],
        tier=centre["tier"],
        name=centre["name"],
        parent_code=centre["parent__division_code"] or "",
        indicators=indicators,
    )


def parse_period(start: dt.date | str, end: dt.date | str) -> ind.Period:
    try:
        start = dt.date.fromisoformat(start) if isinstance(start, str) else start
        end = dt.date.fromisoformat(end) if isinstance(end, str) else end
    except ValueError as exc:
        raise DomainError(
            _("日期格式应为 YYYY-MM-DD。"), code="invalid_date", field="period"
        ) from exc
    if end < start:
        raise DomainError(
            _("考核期的结束日期早于开始日期。"), code="invalid_period", field="period"
        )
    return ind.Period(start, end)


def run_assessment(
    actor: Actor,
    *,
    period_start: dt.date | str,
    period_end: dt.date | str,
    subtree_code: str,
    scheme_name: str | None = None,
    scheme_version: int | None = None,
    progress: Progress | None = None,
) -> AssessmentRun:
    """Assess ``subtree_code`` for the period by a scheme version, and store the run with all
    its results in one transaction. The stored results never change afterwards."""
    require_assessor(actor, subtree_code)
    period = parse_period(period_start, period_end)
    root = ServiceCentre.objects.filter(division_code=subtree_code).first()
    if root is None:
        raise NotFound(
            _("没有行政区划代码为“%(code)s”的服务中心。"),
            code="centre_not_found",
            field="subtree",
            params={"code": subtree_code},
        )
    scheme = _scheme(scheme_name, scheme_version)
    started = time.perf_counter()
    with transaction.atomic():
        result = compute(root, period, scheme, progress=progress)
        run = AssessmentRun.objects.create(
            created_by=actor.name,
            created_by_user_id=actor.user_id,
            actor_centre=actor.centre,
            period_start=period.start,
            period_end=period.end,
            as_of=result.as_of,
            subtree=root,
            subtree_code=root.division_code,
            scheme=scheme,
            summary=result.summary,
        )
        _store_results(run, result.units)
        if progress:
            progress(len(STEPS), len(STEPS), "storing")
        run.duration_ms = int(1000 * (time.perf_counter() - started))
        run.save(update_fields=["duration_ms"])
    return run


RESULT_COLUMNS = [
    "run_id", "scope", "code", "tier", "name", "parent_code", "indicators", "points",
    "base_score", "bonus", "penalty", "score", "rank", "peers", "idle",
]  # fmt: skip


def _store_results(run: AssessmentRun, units: list[UnitResult]) -> None:
    """Write a run's ~1,800 results with COPY: an INSERT of as many JSON documents spends
    seconds quoting them, COPY streams them."""
    table = AssessmentResult._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(RESULT_COLUMNS)}) FROM STDIN") as copy:
            for u in units:
                copy.write_row(
                    (
                        run.pk,
                        u.scope,
                        u.code,
                        u.tier,
                        u.name,
                        u.parent_code,
                        json.dumps(u.indicators),
                        json.dumps(u.points),
                        u.base_score,
                        u.bonus,
                        u.penalty,
                        u.score,
                        u.rank,
                        u.peers,
                        u.idle,
                    )
                )


# --- reading and comparing runs ------------------------------------------------------------------


def list_runs(
    actor: Actor, *, subtree_code: str | None = None, limit: int = 50
) -> list[AssessmentRun]:
    """The runs within the assessor's jurisdiction (of ``subtree_code`` if given), newest first."""
    centre = require_assessor(actor, subtree_code)
    qs = AssessmentRun.objects.select_related("scheme")
    if subtree_code:
        qs = qs.filter(subtree_code=subtree_code)
    else:
        qs = qs.filter(
            subtree_code__startswith=ind.subtree_prefix(centre.tier, centre.division_code)
        )
    limit = 50 if limit is None else limit  # an explicit null in the API means the default
    return list(qs[: max(1, min(limit, 500))])


def get_run(actor: Actor, run_id: int) -> AssessmentRun:
    run = AssessmentRun.objects.select_related("scheme").filter(pk=run_id).first()
    if run is None:
        raise NotFound(
            _("没有编号为 %(id)s 的考核批次。"), code="run_not_found", params={"id": run_id}
        )
    require_assessor(actor, run.subtree_code)
    return run


def run_results(
    run: AssessmentRun, *, scope: str | None = None, tier: str | None = None
) -> list[AssessmentResult]:
    qs = run.results.all()
    if scope:
        qs = qs.filter(scope=scope)
    if tier:
        qs = qs.filter(tier=tier)
    return list(qs.order_by("scope", "tier", "rank", "code"))


@dataclass(frozen=True)
class IndicatorDelta:
    key: str
    base: float | None
    other: float | None
    delta: float | None


@dataclass(frozen=True)
class UnitDelta:
    scope: str
    code: str
    tier: str
    name: str
    base_score: float
    other_score: float
    score_delta: float
    base_rank: int
    other_rank: int
    indicators: list[IndicatorDelta]


@dataclass(frozen=True)
class Comparison:
    base: AssessmentRun
    other: AssessmentRun
    units: list[UnitDelta]


def compare_runs(
    actor: Actor,
    base_run_id: int,
    other_run_id: int,
    *,
    scope: str | None = None,
    tier: str | None = None,
) -> Comparison:
    """Per unit present in both runs: each indicator, the score and the rank, and the change
    from ``base`` to ``other`` (e.g. last year to this year)."""
    base = get_run(actor, base_run_id)
    other = get_run(actor, other_run_id)
    theirs = {(r.scope, r.code): r for r in run_results(other, scope=scope, tier=tier)}
    units = []
    for mine in run_results(base, scope=scope, tier=tier):
        match = theirs.get((mine.scope, mine.code))
        if match is None:
            continue
        deltas = []
        for key, value in mine.indicators.items():
            new = match.indicators.get(key)
            numeric = all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in (value, new)
            )
            deltas.append(
                IndicatorDelta(
                    key,
                    _num(value),
                    _num(new),
                    round(new - value, 6) if numeric else None,
                )
            )
        units.append(
            UnitDelta(
                scope=mine.scope,
                code=mine.code,
                tier=mine.tier,
                name=mine.name,
                base_score=mine.score,
                other_score=match.score,
                score_delta=round(match.score - mine.score, 2),
                base_rank=mine.rank,
                other_rank=match.rank,
                indicators=deltas,
            )
        )
    return Comparison(base, other, units)


def _num(value):
    if isinstance(value, bool):
        return float(value)
    return value if isinstance(value, int | float) else None


# --- exports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


XLSX = "xlsx"
PNG = "png"


def export_run(actor: Actor, run_id: int, fmt: str) -> ExportFile:
    """The run as an XLSX workbook (汇总 + one sheet per tier) or a PNG chart by county."""
    from assessment import exports

    run = get_run(actor, run_id)
    stem = (
        f"assessment-{run.subtree_code}-{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}-{run.pk}"
    )
    if fmt == XLSX:
        return ExportFile(
            f"{stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            exports.workbook(run),
        )
    if fmt == PNG:
        return ExportFile(f"{stem}.png", "image/png", exports.chart(run))
    raise DomainError(
        _("不支持的导出格式“%(format)s”。"),
        code="invalid_format",
        field="format",
        params={"format": fmt},
    )


# --- download links for exports ------------------------------------------------------------------

_LINK_SALT = "assessment.export-link"


@dataclass(frozen=True)
class ExportLink:
    """A short-lived, signed download token for one export, valid for one user only."""

    token: str
    filename: str
    expires_at: dt.datetime


def _link_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "ASSESSMENT_EXPORT_LINK_SECONDS", 300))


def export_link(actor: Actor, run_id: int, fmt: str) -> ExportLink:
    """A download link for an export of a run the assessor may read: signed (the secret key),
    bound to the assessor's user and expiring after ``ASSESSMENT_EXPORT_LINK_SECONDS``. The
    file is made when the link is opened (``open_export_link``), with every check made again."""
    from django.core import signing

    if actor is None or actor.user_id is None:
        raise PermissionDenied(
            _("下载链接只发给已登录的考核人员。"), code="not_assessor", field="user"
        )
    run = get_run(actor, run_id)
    if fmt not in (XLSX, PNG):
        raise DomainError(
            _("不支持的导出格式“%(format)s”。"),
            code="invalid_format",
            field="format",
            params={"format": fmt},
        )
    token = signing.TimestampSigner(salt=_LINK_SALT).sign_object(
        {"run": run.pk, "format": fmt, "user": actor.user_id}
    )
    stem = f"assessment-{run.subtree_code}-{run.period_start:%Y%m%d}-{run.period_end:%Y%m%d}"
    expires = timezone.now() + dt.timedelta(seconds=_link_seconds())
    return ExportLink(token, f"{stem}-{run.pk}.{fmt}", expires)


def open_export_link(token: str, user) -> ExportFile:
    """The file behind a download link, for the user it was issued to, while it is valid.

    ``export_link_invalid`` for a token that was not signed here (or was altered),
    ``export_link_expired`` past its lifetime, ``export_link_not_yours`` for anyone else, and
    the assessor's own checks (``get_run``) again, so a link outlives no revoked right.
    """
    from django.core import signing

    from accounts.permissions import actor_from_membership, network_memberships

    signer = signing.TimestampSigner(salt=_LINK_SALT)
    try:
        data = signer.unsign_object(token, max_age=_link_seconds())
    except signing.SignatureExpired as exc:
        raise DomainError(
            _("下载链接已过期，请重新导出。"), code="export_link_expired", field="token"
        ) from exc
    except signing.BadSignature as exc:
        raise NotFound(_("下载链接无效。"), code="export_link_invalid", field="token") from exc
    if user is None or user.pk != data["user"]:
        raise PermissionDenied(
            _("该下载链接不是发给您的。"), code="export_link_not_yours", field="token"
        )
    membership = network_memberships(user, Role.ASSESSOR).first()
    actor = actor_from_membership(membership) if membership else None
    return export_run(actor, data["run"], data["format"])
