"""Services for the network registry: provisioning centres and keeping their facts.

Every change to the registry goes through these functions (admin, commands and the API call
them). Each creates a centre's schema and its registry row in one transaction: an interrupted
run leaves whole centres or none, and running it again carries on where it stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, Problem, ValidationFailed
from tenants.divisions import schema_name_for, validate_division_code, validate_parent
from tenants.models import (
    SIX_ESSENTIALS,
    CentreStatus,
    CentreStatusChange,
    ServiceCentre,
    ServicePointCheck,
)
from tenants.schemas import (
    TEMPLATE_SCHEMA,
    clone_script,
    existing_schemas,
    migrate_template,
    migration_fingerprints,
)
from tenants.spec import CentreSpec, check_tree, tree_order

Progress = Callable[[int, int, CentreSpec], None]


@dataclass
class ProvisionReport:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _("新建 %(created)d 个，已存在跳过 %(skipped)d 个，补建架构 %(repaired)d 个。") % {
            "created": len(self.created),
            "skipped": len(self.skipped),
            "repaired": len(self.repaired),
        }


def ensure_template_current() -> None:
    """Migrate the template schema if it is missing or behind the code's tenant migrations."""
    from django.db.migrations.executor import MigrationExecutor

    if TEMPLATE_SCHEMA in existing_schemas([TEMPLATE_SCHEMA]):
        connection.set_schema(TEMPLATE_SCHEMA, include_public=False)
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        finally:
            connection.set_schema_to_public()
        if not pending:
            return
    migrate_template()


def provision_network(
    specs: Iterable[CentreSpec], *, progress: Progress | None = None
) -> ProvisionReport:
    """Create every centre of ``specs`` that does not exist yet, parents first.

    The whole spec is checked before anything is created: one bad row and nothing happens
    (``ValidationFailed`` lists every problem with its row and column). Centres that already
    exist with the same tier and parent are skipped, so the command is idempotent and resumes
    after an interruption.
    """
    specs = tree_order(list(specs))
    existing = {
        code: (tier, parent)
        for code, tier, parent in ServiceCentre.objects.values_list(
            "division_code", "tier", "parent__division_code"
        )
    }
    problems = check_tree(specs, existing)
    if problems:
        raise ValidationFailed(problems)

    ensure_template_current()
    script = clone_script()
    report = ProvisionReport()
    ids = dict(ServiceCentre.objects.values_list("division_code", "id"))
    tiers = {code: tier for code, (tier, _p) in existing.items()}
    tiers.update({spec.division_code: spec.tier for spec in specs})
    schemas = {schema_name_for(spec.tier, spec.division_code) for spec in specs}
    present = existing_schemas(schemas)
    total = len(specs)
    for index, spec in enumerate(specs, start=1):
        schema = schema_name_for(spec.tier, spec.division_code)
        if spec.division_code in existing:
            if schema not in present:
                with transaction.atomic():
                    _create_schema(schema, script)
                report.repaired.append(spec.division_code)
            else:
                report.skipped.append(spec.division_code)
        else:
            if schema in present:
                raise DomainError(
                    _("架构 %(schema)s 已存在但没有对应的中心记录，请人工核查后再继续。"),
                    code="orphan_schema",
                    field="division_code",
                    params={"schema": schema},
                )
            with transaction.atomic():
                _create_schema(schema, script)
                centre = ServiceCentre(
                    schema_name=schema,
                    parent_id=ids.get(spec.parent_code) if spec.parent_code else None,
                    parent_tier=tiers.get(spec.parent_code) if spec.parent_code else None,
                    status_changed_at=timezone.now(),
                    **spec.schema_fields,
                )
                ServiceCentre.objects.bulk_create([centre])
                CentreStatusChange.objects.create(
                    centre=centre, status=centre.status, changed_at=centre.status_changed_at
                )
                # Its 六有 as provisioned: as checked on the given date, else as of today.
                _record_check(
                    centre,
                    centre.facts_checked_on or timezone.localdate(),
                    "",
                    centre.six_essentials,
                )
            ids[spec.division_code] = centre.id
            report.created.append(spec.division_code)
        if progress:
            progress(index, total, spec)
    return report


def _create_schema(schema: str, script) -> None:
    with connection.cursor() as cur:
        cur.execute(script.for_schema(schema))


def create_centre(
    *,
    tier: str,
    division_code: str,
    name: str,
    parent: ServiceCentre | None = None,
    **facts,
) -> ServiceCentre:
    """Create one centre (schema and registry row together)."""
    validate_division_code(tier, division_code)
    validate_parent(
        tier,
        division_code,
        parent.tier if parent else None,
        parent.division_code if parent else None,
    )
    if ServiceCentre.objects.filter(division_code=division_code).exists():
        raise DomainError(
            _("行政区划代码“%(code)s”已被使用。"),
            code="duplicate_division_code",
            field="division_code",
            params={"code": division_code},
        )
    spec = CentreSpec(
        division_code=division_code,
        name=name,
        tier=tier,
        parent_code=parent.division_code if parent else None,
        **facts,
    )
    provision_network([spec])
    return ServiceCentre.objects.get(division_code=division_code)


def set_centre_status(centre: ServiceCentre, status: str) -> ServiceCentre:
    """Activate or suspend a centre. Suspension keeps its data; it stops counting as covered."""
    if status not in CentreStatus.values:
        raise DomainError(
            _("状态“%(status)s”无效。"),
            code="invalid_status",
            field="status",
            params={"status": status},
        )
    if centre.status != status:
        centre.status = status
        centre.status_changed_at = timezone.now()
        with transaction.atomic():
            centre.save(update_fields=["status", "status_changed_at", "updated_at"])
            # The history lets an assessment see a centre suspended part-way through a period.
            CentreStatusChange.objects.create(
                centre=centre, status=status, changed_at=centre.status_changed_at
            )
    return centre


def _record_check(
    centre: ServiceCentre, checked_on: dt.date, recorded_by: str, facts: dict[str, bool]
) -> None:
    ServicePointCheck.objects.create(
        centre=centre,
        checked_on=checked_on,
        recorded_at=timezone.now(),
        recorded_by=recorded_by,
        **facts,
    )


def record_service_point_facts(
    centre: ServiceCentre, *, checked_on: dt.date, recorded_by: str = "", **essentials: bool
) -> ServiceCentre:
    """Record a 六有 check of a service point: the six facts and the date they were checked.

    Facts not named keep the value they had on ``checked_on``. The check is also kept in the centre's history
    (``ServicePointCheck``), so an assessment of a past period uses the facts of then."""
    known = {name for name, _label in SIX_ESSENTIALS}
    unknown = set(essentials) - known
    if unknown:
        raise DomainError(
            _("未知的六有项目：%(names)s。"),
            code="unknown_essential",
            field=sorted(unknown)[0],
            params={"names": "、".join(sorted(unknown))},
        )
    if checked_on > timezone.localdate():
        raise DomainError(_("核查日期不能晚于今天。"), code="date_in_future", field="checked_on")
    checks = centre.fact_checks.order_by("-checked_on", "-id")
    newest = checks.values_list("checked_on", flat=True).first()
    # The facts not named are those in force on that day (for a back-dated check, then's).
    base = checks.filter(checked_on__lte=checked_on).first() or checks.last()
    facts = base.six_essentials if base else centre.six_essentials
    facts.update({name: bool(v) for name, v in essentials.items()})
    with transaction.atomic():
        _record_check(centre, checked_on, recorded_by, facts)
        if newest is None or checked_on >= newest:  # a back-dated check changes only the history
            for name, value in facts.items():
                setattr(centre, name, value)
            centre.facts_checked_on = checked_on
            centre.save(update_fields=[*facts, "facts_checked_on", "updated_at"])
    return centre


def centres_behind_template(schemas: list[str]) -> list[str]:
    """The centre schemas whose applied migrations differ from the template's."""
    target = migration_fingerprints([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]
    current = migration_fingerprints(schemas)
    return [schema for schema in schemas if current[schema] != target]


__all__ = [
    "Problem",
    "ProvisionReport",
    "centres_behind_template",
    "create_centre",
    "ensure_template_current",
    "provision_network",
    "record_service_point_facts",
    "set_centre_status",
]
