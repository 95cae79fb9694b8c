"""Users' factor datasets in the database: add a version (all rows or none), list them, search the library."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, ConfigurationError, InputError, Location
from carbontrail.factors import Factor, FactorDataset, FactorLibrary, read_factor_csv
from carbontrail.services import organisations, tenancy
from carbontrail.services.work import PYTHON, Actor, SystemActor, unit_of_work
from carbontrail.store.models import FactorDatasetRow, FactorRow
from carbontrail.store.repositories import factors as factors_repo



@dataclass(frozen=True)
class DatasetInfo:
    """One dataset version: who publishes it, under which licence, and how many factors it holds."""

    name: str
    version: str
    publisher: str
    licence: str
    description: str
    factors: int

    @classmethod
    def of(cls, d: FactorDataset) -> DatasetInfo:
        return cls(d.name, d.version, d.publisher, d.licence, d.description, len(d.factors))


def read_dataset_file(path: Path, *, name: str, version: str, publisher: str = "", licence: str = "",
                      description: str = "", shown: str | None = None) -> FactorDataset:
    """A factor CSV checked row by row (`ImportRejected` on any bad row); a shipped version is never replaced."""
    shown = shown or path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc.__class__.__name__})", location=Location(shown),
                         expected="a readable UTF-8 CSV file") from None
    dataset = read_factor_csv(text, file=shown, name=name, version=version, publisher=publisher,
                              licence=licence, description=description)
    if (name, version) in FactorLibrary.default().datasets():
        raise Conflict(f"'{name}' version '{version}' is a dataset shipped with carbontrail; add another version")
    return dataset


def add_dataset(sessions: sessionmaker[Session], path: Path, *, name: str, version: str, publisher: str = "",
                licence: str = "", description: str = "", organisation: str | None = None,
                actor: Actor = PYTHON, shown: str | None = None) -> DatasetInfo:
    """Validate the CSV at `path` and store it as dataset `name` `version` (of `organisation`, when named, which
    `actor` must be allowed to write to); refuses to overwrite any existing version (stored or shipped); a bad row
    stores nothing (`ImportRejected`). The audit row commits with the dataset."""
    with unit_of_work(sessions, actor) as work:
        organisation_id = None
        if organisation is not None:
            if isinstance(actor, SystemActor):
                organisation_id = organisations.get_organisation(work.session, organisation).id
            else:
                access = tenancy.require(work.session, actor, organisation, tenancy.DATA_WRITE)
                organisation_id = access.organisation_id
        elif not isinstance(actor, SystemActor):
            tenancy.require_platform_admin(actor)
        dataset = read_dataset_file(path, name=name, version=version, publisher=publisher, licence=licence,
                                    description=description, shown=shown)
        store_dataset(work.session, dataset, organisation_id=organisation_id)
        work.audit("create", "factor_dataset", f"{name}@{version}", organisation_id=organisation_id,
                   detail={"factors": len(dataset.factors)})
    return DatasetInfo.of(dataset)


def store_dataset(session: Session, dataset: FactorDataset, *, organisation_id: int | None = None) -> None:
    """Add `dataset` to the session (flushed, not committed); `Conflict` if its (name, version) exists."""
    if factors_repo.dataset_exists(session, dataset.name, dataset.version):
        raise Conflict(f"dataset '{dataset.name}' version '{dataset.version}' already exists; a stored version "
                       "never changes, add it under a new version")
    row = FactorDatasetRow(name=dataset.name, version=dataset.version, organisation_id=organisation_id,
                           publisher=dataset.publisher, description=dataset.description, licence=dataset.licence)
    session.add(row)
    session.flush()
    session.add_all(FactorRow(dataset_id=row.id, activity=f.activity, geography=f.geography, year=f.year,
                              series=f.series, gas=f.gas, value=f.value, unit=f.unit, source=f.source,
                              confidence=f.confidence, notes=f.notes) for f in dataset.factors)
    session.flush()


def user_datasets(session: Session) -> list[FactorDataset]:
    """Every stored user dataset with its factors, oldest first (so newer additions win ties in the library)."""
    try:
        heads = factors_repo.dataset_heads(session)
        rows = factors_repo.factor_rows(session)
    except SQLAlchemyError as exc:
        raise ConfigurationError("the database is not set up for factor datasets; run `carbontrail init` "
                                 f"({exc.__class__.__name__})") from None
    by_dataset: dict[int, list[FactorRow]] = {}
    for r in rows:
        by_dataset.setdefault(r.dataset_id, []).append(r)
    out = []
    for head in heads:
        factors = tuple(
            Factor(id=f"{head.name}@{head.version}#{n}", activity=r.activity, value=r.value, unit=r.unit, gas=r.gas,
                   geography=r.geography, year=r.year, series=r.series, dataset=head.name,
                   dataset_version=head.version, source=r.source, confidence=r.confidence, notes=r.notes)
            for n, r in enumerate(by_dataset.get(head.id, []), start=1))
        out.append(FactorDataset(head.name, head.version, factors, publisher=head.publisher, licence=head.licence,
                                 description=head.description))
    return out


def library_with_user_datasets(session: Session) -> FactorLibrary:
    """The shipped library with every stored user dataset added."""
    return FactorLibrary.default().with_datasets(user_datasets(session))


def load_library(sessions: sessionmaker[Session]) -> FactorLibrary:
    """`library_with_user_datasets` on a session of its own."""
    with sessions() as session:
        return library_with_user_datasets(session)


def _visible_library(session: Session, actor: Actor) -> tuple[FactorLibrary, set[tuple[str, str]]]:
    """The library and the dataset versions `actor` may not see (other tenants' own datasets)."""
    hidden = set() if isinstance(actor, SystemActor) else tenancy.hidden_datasets(session, actor)
    return library_with_user_datasets(session), hidden


def datasets(sessions: sessionmaker[Session], actor: Actor = PYTHON) -> list[DatasetInfo]:
    """Every dataset version `actor` may see, shipped and stored, each version separately."""
    with unit_of_work(sessions, actor) as work:
        library, hidden = _visible_library(work.session, actor)
    return [DatasetInfo.of(library.dataset(name, version)) for name, version in library.datasets()
            if (name, version) not in hidden]


def search(sessions: sessionmaker[Session], actor: Actor = PYTHON, text: str | None = None, *,
           activity: str | None = None, geography: str | None = None, year: int | None = None,
           series: str | None = None, all_versions: bool = False) -> list[Factor]:
    """Factors matching every filter that `actor` may see: `text` anywhere, `activity` as a prefix, exact
    geography, year and series."""
    with unit_of_work(sessions, actor) as work:
        library, hidden = _visible_library(work.session, actor)
    return [f for f in library.search(text, activity=activity, geography=geography, year=year, series=series,
                                      all_versions=all_versions)
            if (f.dataset, f.dataset_version) not in hidden]


def dataset_listing(sessions: sessionmaker[Session]) -> list[FactorDataset]:
    """Every dataset, shipped and stored, each version separately."""
    lib = load_library(sessions)
    return [lib.dataset(name, version) for name, version in lib.datasets()]
