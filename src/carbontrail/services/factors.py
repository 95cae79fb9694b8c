"""Users' factor datasets in the database: add a version (all rows or none), list them, build the library."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.errors import Conflict, ConfigurationError, InputError, Location
from carbontrail.factors import Factor, FactorDataset, FactorLibrary, read_factor_csv
from carbontrail.store.db import transaction
from carbontrail.store.models import FactorDatasetRow, FactorRow


def add_dataset(sessions: sessionmaker[Session], path: Path, *, name: str, version: str, publisher: str = "",
                licence: str = "", description: str = "", organisation_id: int | None = None) -> FactorDataset:
    """Validate the CSV at `path` and store it as dataset `name` `version`; refuses to overwrite any existing
    version (stored or shipped); a bad row stores nothing (`ImportRejected`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc.__class__.__name__})", location=Location(str(path)),
                         expected="a readable UTF-8 CSV file") from None
    dataset = read_factor_csv(text, file=path.name, name=name, version=version, publisher=publisher,
                              licence=licence, description=description)
    if (name, version) in FactorLibrary.default().datasets():
        raise Conflict(f"'{name}' version '{version}' is a dataset shipped with carbontrail; add another version")
    with transaction(sessions) as session:
        store_dataset(session, dataset, organisation_id=organisation_id)
    return dataset


def store_dataset(session: Session, dataset: FactorDataset, *, organisation_id: int | None = None) -> None:
    """Add `dataset` to the session (flushed, not committed); `Conflict` if its (name, version) exists."""
    exists = session.scalars(select(FactorDatasetRow.id).where(
        FactorDatasetRow.name == dataset.name, FactorDatasetRow.version == dataset.version)).first()
    if exists is not None:
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
        heads = session.scalars(select(FactorDatasetRow).order_by(FactorDatasetRow.id)).all()
        rows = session.scalars(select(FactorRow).order_by(FactorRow.dataset_id, FactorRow.id)).all()
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


def dataset_listing(sessions: sessionmaker[Session]) -> list[FactorDataset]:
    """Every dataset, shipped and stored, each version separately."""
    lib = load_library(sessions)
    return [lib.dataset(name, version) for name, version in lib.datasets()]
