"""The totals park and government overseers see: a jurisdiction's enterprises, summed from their inventories."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import CarbontrailError
from carbontrail.services import jurisdictions
from carbontrail.services.factors import library_with_user_datasets
from carbontrail.services.inventory import compute_for
from carbontrail.services.jurisdictions import EnterpriseAggregate, JurisdictionAggregate
from carbontrail.services.work import Actor, SystemActor, unit_of_work
from carbontrail.store.models import Organisation
from carbontrail.store.repositories import inventory as inventory_repo
from carbontrail.store.repositories import jurisdictions as repo


def _members(session: Session, inside: set[int]) -> list[tuple[int, str, str, tuple[str, ...] | None]]:
    """(id, code, name, facilities) of the enterprises in the jurisdictions `inside`: facilities None when the
    whole enterprise sits there, else the codes of its facilities that do."""
    facs = repo.facility_places(session)
    members: list[tuple[int, str, str, tuple[str, ...] | None]] = []
    for org_id, org_code, org_name, org_jur in repo.organisation_places(session):
        if org_jur in inside:
            members.append((org_id, org_code, org_name, None))
            continue
        own = tuple(code_ for oid, code_, fjur in facs if oid == org_id and fjur in inside)
        if own:
            members.append((org_id, org_code, org_name, own))
    return members


def aggregate(sessions: sessionmaker[Session], actor: Actor, code: str,
              year: int | None = None) -> JurisdictionAggregate:
    """Totals of every enterprise in the jurisdiction's subtree for calendar `year` (the latest year holding any
    record when None), if `actor` oversees it; raw records stay inside."""
    with unit_of_work(sessions, actor) as work:
        s = work.session
        if not isinstance(actor, SystemActor):
            jurisdictions.require_overseen(s, actor.grants, code)
        jur = jurisdictions.jurisdiction(s, code)
        members = _members(s, jurisdictions.subtree_ids(s, jur.id))
        years = tuple(inventory_repo.years_with_records(s, [m[0] for m in members]))
        if year is None:
            year = years[-1] if years else date.today().year - 1
        start, end = date(year, 1, 1), date(year, 12, 31)
        library = library_with_user_datasets(s)
        rows = []
        for org_id, org_code, org_name, only in members:
            org = s.get(Organisation, org_id)
            assert org is not None
            try:
                results = ([compute_for(s, org, start=start, end=end, library=library)] if only is None else
                           [compute_for(s, org, start=start, end=end, facility=f, library=library) for f in only])
            except CarbontrailError as exc:
                rows.append(EnterpriseAggregate(org_code, org_name, only or (), error=str(exc)))
                continue
            energy = sum(r.energy_tce for r in results)
            s1 = sum(r.scope1_t for r in results)
            s2l = sum(r.scope2_location_t for r in results)
            s2m = sum(r.scope2_market_t for r in results)
            va = sum(r.value_added_10k_yuan for r in results)
            rows.append(EnterpriseAggregate(org_code, org_name, only or (), energy, s1, s2l, s2m, va,
                                            energy / va if va else None, (s1 + s2l) / va if va else None,
                                            has_data=any(r.has_data for r in results)))
    return JurisdictionAggregate(jur.code, jur.name, jur.name_en, jur.kind, year=year, enterprises=tuple(rows),
                                 years=years)
