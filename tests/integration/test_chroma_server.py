"""Polku on a real Chroma server (started here from the installed ``chromadb`` package) and the real
PostgreSQL: the demo library is ingested through Polku and searched; two processes' worth of
AppContexts share the server, and one sees what the other ingested once the index version moves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.core.store.db import Database
from copilot.core.store.repo.content import index_generation
from copilot.demo import vectors
from copilot.demo.generator import generate
from retrieval import service as retrieval
from retrieval.store import COLLECTION, chroma_client
from tests.conftest import NOW

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SERVER_START_S = 60
"""How long the server may take to answer its first heartbeat before the test gives up (not a
measurement: a loaded machine starts it in a few seconds)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    # The package's own CLI entry point (what the `chroma` script runs), on loopback only.
    code = "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; app()"
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Chroma server did not start: {(path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _ctx(pg_db: Database, chroma: str, data: Path, **settings: object) -> AppContext:
    url = pg_db.engine.url.render_as_string(hide_password=False)
    ctx = AppContext.create(Settings(database_url=url, chroma_url=chroma, data_dir=data, _env_file=None,  # type: ignore[call-arg]
                                     **settings))
    ctx.__dict__["db"] = pg_db  # the same store, as another process would open it
    return ctx


def _drop_collection(chroma: str, tmp: Path) -> None:
    client = chroma_client(Settings(chroma_url=chroma, data_dir=tmp, _env_file=None))  # type: ignore[call-arg]
    if COLLECTION in [c.name for c in client.list_collections()]:
        client.delete_collection(COLLECTION)


def test_the_demo_library_ingested_into_a_chroma_server_answers_a_search(
    pg_db: Database, chroma_url: str, tmp_path: Path
) -> None:
    _drop_collection(chroma_url, tmp_path)
    ctx = _ctx(pg_db, chroma_url, tmp_path / "a")
    generate(ctx.db, accounts=2, seed=1, now=NOW)
    vectors.seed(ctx)
    summary = retrieval.ingest_store_modules(ctx)
    assert summary.chunks_added > 200 and summary.chunks_embedded == 0

    server = chroma_client(ctx.settings).get_collection(COLLECTION, embedding_function=None)
    assert server.count() == summary.chunks_added  # the chunks live on the server, not in a directory
    assert not ctx.settings.chroma_dir.exists()
    with ctx.db.session() as session:
        assert index_generation(session, name=retrieval.VERSION_NAME) == retrieval.index(ctx).generation

    # a second context opens the index from the server alone (its data directory is empty)
    reader = _ctx(pg_db, chroma_url, tmp_path / "b")
    hits = retrieval.search(reader, "Paljonko Kaarna maksaa käyttäjää kohden?", k=5).hits
    assert hits and any(h.meta.get("module_id", "").startswith("pricing") for h in hits)


def test_another_process_sees_a_new_passage_after_the_index_version_moves(
    pg_db: Database, chroma_url: str, tmp_path: Path
) -> None:
    _drop_collection(chroma_url, tmp_path)
    writer = _ctx(pg_db, chroma_url, tmp_path / "writer")
    reader = _ctx(pg_db, chroma_url, tmp_path / "reader", index_check_s=0.01)
    first = tmp_path / "docs" / "first.md"
    first.parent.mkdir()
    first.write_text("# Tukiajat\n\nAsiakastuki vastaa arkisin kello 8-16.\n", encoding="utf-8")
    retrieval.ingest(writer, [first])

    query = "Mikä on Kuukiven avaruusaseman huoltosopimuksen hinta?"
    before = retrieval.search(reader, query, k=3, mode="keyword")
    opened = retrieval.index(reader)
    assert not any("Kuukiven" in h.text for h in before.hits)
    time.sleep(0.05)
    assert retrieval.index(reader) is opened  # the version did not move: no reload

    news = tmp_path / "docs" / "news.md"
    news.write_text("# Kuukivi\n\nKuukiven avaruusaseman huoltosopimuksen hinta on 999 euroa kuussa.\n",
                    encoding="utf-8")
    summary = retrieval.ingest(writer, [news])
    assert summary.chunks_added == 1
    with pg_db.session() as session:
        moved = index_generation(session, name=retrieval.VERSION_NAME)
    assert moved == retrieval.index(writer).generation != opened.generation

    time.sleep(0.05)  # past the reader's check interval
    assert retrieval.index(reader) is opened  # the reload runs beside the requests...
    assert retrieval.wait_for_reload(reader, timeout=SERVER_START_S)  # ...and swaps the new copy in
    after = retrieval.search(reader, query, k=3)
    assert after.hits and "Kuukiven" in after.hits[0].text
    assert retrieval.index(reader) is not opened and retrieval.index(reader).generation == moved


def test_the_index_version_is_read_once_an_interval_not_once_a_request(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = AppContext.create(Settings(data_dir=tmp_path, index_check_s=3600, _env_file=None))  # type: ignore[call-arg]
    calls: list[str] = []
    monkeypatch.setattr(retrieval, "index_generation", lambda *a, **k: calls.append("read"))
    doc = tmp_path / "doc.md"
    doc.write_text("# Ohje\n\nPerehdytys alkaa ensimmäisenä päivänä.\n", encoding="utf-8")
    retrieval.ingest(ctx, [doc])
    for _ in range(3):
        retrieval.search(ctx, "perehdytys", k=1, mode="keyword")
    assert calls == []  # within the interval: no read at all
    ctx.built(retrieval.FRESHNESS).checked = float("-inf")  # the interval has passed
    for _ in range(3):
        retrieval.search(ctx, "perehdytys", k=1, mode="keyword")
    assert calls == ["read"]
