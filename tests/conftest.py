"""Shared fixtures: stores on SQLite and on the real PostgreSQL, and a guard against the internet."""

from __future__ import annotations

import ipaddress
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from copilot.core.store.db import Database, make_engine, migrate
from copilot.demo.generator import generate

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            local = ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = host == "localhost"
        if not local:
            raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection beyond loopback fails the test loudly (no real provider calls)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def _sqlite(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = tmp_path_factory.mktemp("store") / "polku.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    return Database(engine)


@pytest.fixture
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return _sqlite(tmp_path_factory)


@pytest.fixture
def pg_db() -> Iterator[Database]:
    """A fresh database on the machine's PostgreSQL, dropped afterwards."""
    name = f"polku_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    migrate(engine)
    try:
        yield Database(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on the real PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def second_sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """Another empty SQLite store, for tests that move data between two stores."""
    return _sqlite(tmp_path_factory)


@pytest.fixture(scope="session")
def demo_ctx(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A whole embedded Polku: demo CRM (150 accounts) in SQLite and its content indexed in a real
    Chroma directory, shared by the tests of one worker. Tests must not change its data."""
    from copilot.core.context import AppContext
    from copilot.core.settings import Settings
    from copilot.demo import vectors
    from retrieval import service as retrieval

    data_dir = tmp_path_factory.mktemp("polku-data")
    ctx = AppContext.create(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    generate(ctx.db, accounts=150, seed=5, now=NOW)
    vectors.seed(ctx)  # the shipped content embeddings (tests of embedding itself use their own texts)
    retrieval.ingest_store_modules(ctx)
    return ctx
