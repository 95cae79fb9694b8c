"""Shared fixtures. Every test that touches the database runs twice: on SQLite and on PostgreSQL."""

from __future__ import annotations

import gzip
import multiprocessing
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from carbontrail.store.db import make_engine, session_factory
from carbontrail.store.models import Base

POSTGRES_URL = os.environ.get(
    "CARBONTRAIL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_DATA = Path(__file__).resolve().parent / "data"
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each backend (a fresh PostgreSQL schema per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database with every table created."""
    eng = make_engine(db_url)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture(autouse=True)
def no_import_worker_left() -> Iterator[None]:
    """No test leaves an import job's worker process behind (closing the jobs, as the app's lifespan and the test
    worlds do, waits for them or stops them)."""
    yield
    left = [p.name for p in multiprocessing.active_children() if p.name.startswith("carbontrail-import-")]
    assert not left, f"import worker processes left running: {left}"


DEMO_PACT_SECRET = "demo-pact-secret-456"


@pytest.fixture
def demo_chain(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    """The demo's battery-material chain (SH-LITHIUM → SH-LFP → CD-CELL → CD-PACK): their product models, and the
    PACT footprints published from the results they compute (the demo PACT client's secret: DEMO_PACT_SECRET)."""
    from carbontrail.services.demo import pact as demo_pact
    from carbontrail.services.demo.products import load_demo_products
    from carbontrail.store.db import transaction
    from carbontrail.store.models import Organisation

    products = Path(__file__).resolve().parents[1] / "examples" / "sichuan-battery-chain" / "products"
    monkeypatch.setenv("CARBONTRAIL_DEMO_PACT_SECRET", DEMO_PACT_SECRET)
    with transaction(sessions) as s:
        for code in ("SH-LITHIUM", "SH-LFP", "CD-CELL", "CD-PACK"):
            s.add(Organisation(code=code, name=code, name_en=code, industry="battery", province="四川省"))
    load_demo_products(sessions, products)
    demo_pact.load_demo_pact(sessions, products)
    return sessions


@pytest.fixture(scope="session")
def test_data() -> Path:
    """tests/data: the published data sets tests compare against (sources and licences in its README)."""
    assert TEST_DATA.is_dir(), f"test data folder {TEST_DATA} is missing"
    return TEST_DATA


@pytest.fixture(scope="session")
def useeio_dir(test_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The USEEIO folders as published (models.json, USEEIO/, USEEIOv2.0-GHG/), unpacked from the gzip copies.

    The repository keeps each JSON file gzipped (17 MB → 6 MB); the product reads plain folders, as users have them.
    """
    out = tmp_path_factory.mktemp("useeio")
    for packed in (test_data / "useeio").rglob("*.json.gz"):
        target = out / packed.relative_to(test_data / "useeio").with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.decompress(packed.read_bytes()))
    return out
