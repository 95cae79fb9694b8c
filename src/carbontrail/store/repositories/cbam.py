"""The CBAM queries: installation models per organisation and period, their kept results, default-value tables,
and the facility's activity records a model draws on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from carbontrail.store.models import (
    ActivityRecord,
    CbamDefaultDataset,
    CbamDefaultValue,
    CbamInstallation,
    CbamResult,
    Facility,
    Meter,
)
from carbontrail.store.repositories import _owned as owned


def installation(session: Session, organisation_id: int, code: str, period_start: date) -> CbamInstallation | None:
    return owned.one(session, CbamInstallation, organisation_id, code=code, period_start=period_start)


def installations(session: Session, organisation_id: int,
                  code: str | None = None) -> Sequence[Row[tuple[CbamInstallation, str | None]]]:
    """The organisation's installations with their facility's code: all by code then period, or one code's
    periods newest first."""
    stmt = (select(CbamInstallation, Facility.code)
            .outerjoin(Facility, CbamInstallation.facility_id == Facility.id)
            .where(CbamInstallation.organisation_id == organisation_id))
    if code is None:
        return session.execute(stmt.order_by(CbamInstallation.code, CbamInstallation.period_start)).all()
    return session.execute(stmt.where(CbamInstallation.code == code).order_by(
        CbamInstallation.period_end.desc(), CbamInstallation.period_start.desc())).all()


def count_installations(session: Session, organisation_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(CbamInstallation).where(
        CbamInstallation.organisation_id == organisation_id)) or 0)


def drop_results(session: Session, installation_id: int) -> None:
    session.execute(delete(CbamResult).where(CbamResult.installation_id == installation_id))


def kept_result(session: Session, installation_id: int, markup_year: int, name: str,
                version: str) -> CbamResult | None:
    return session.scalars(select(CbamResult).where(
        CbamResult.installation_id == installation_id, CbamResult.markup_year == markup_year,
        CbamResult.defaults_name == name, CbamResult.defaults_version == version)).one_or_none()


def current_results(session: Session, organisation_id: int, code: str) -> list[CbamResult]:
    """The results kept for an installation's periods that were computed from the model now stored."""
    return list(session.scalars(select(CbamResult)
                                .join(CbamInstallation, CbamResult.installation_id == CbamInstallation.id)
                                .where(CbamInstallation.organisation_id == organisation_id,
                                       CbamInstallation.code == code,
                                       CbamResult.model_sha256 == CbamInstallation.sha256)
                                .order_by(CbamInstallation.period_start, CbamResult.markup_year, CbamResult.id)))


def default_datasets(session: Session, organisation_id: int) -> list[tuple[CbamDefaultDataset, int]]:
    """The organisation's default-value tables with how many values each holds."""
    counts = (select(CbamDefaultValue.dataset_id, func.count().label("n"))
              .group_by(CbamDefaultValue.dataset_id).subquery())
    rows = session.execute(select(CbamDefaultDataset, func.coalesce(counts.c.n, 0))
                           .outerjoin(counts, counts.c.dataset_id == CbamDefaultDataset.id)
                           .where(CbamDefaultDataset.organisation_id == organisation_id)
                           .order_by(CbamDefaultDataset.name, CbamDefaultDataset.id)).all()
    return [(ds, int(n)) for ds, n in rows]


def default_dataset(session: Session, organisation_id: int, name: str,
                    version: str | None = None) -> CbamDefaultDataset | None:
    """The table called `name`: that version, else the newest."""
    stmt = select(CbamDefaultDataset).where(CbamDefaultDataset.organisation_id == organisation_id,
                                            CbamDefaultDataset.name == name)
    if version:
        stmt = stmt.where(CbamDefaultDataset.version == version)
    return session.scalars(stmt.order_by(CbamDefaultDataset.id.desc())).first()


def default_values(session: Session, dataset_id: int) -> list[CbamDefaultValue]:
    return list(session.scalars(select(CbamDefaultValue).where(CbamDefaultValue.dataset_id == dataset_id)))


def facility_activity(session: Session, facility_id: int, start: date, end: date
                      ) -> list[Row[tuple[str | None, str, str, float, str]]]:
    """(meter code, kind, item, quantity, unit) of the facility's activity records whose period lies in [start, end]."""
    return list(session.execute(
        select(Meter.code, ActivityRecord.kind, ActivityRecord.item, ActivityRecord.quantity, ActivityRecord.unit)
        .outerjoin(Meter, Meter.id == ActivityRecord.meter_id)
        .where(ActivityRecord.facility_id == facility_id, ActivityRecord.period_start >= start,
               ActivityRecord.period_end <= end)
        .order_by(ActivityRecord.kind, ActivityRecord.item, ActivityRecord.period_start)))
