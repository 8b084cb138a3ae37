"""The queries behind brief, ask, draft, next actions and the health board use indexes on a big store.

A 20,000-account store (~2.2 M rows) is generated on the real PostgreSQL server and ANALYZEd, so the
planner works from realistic statistics (no ``enable_seqscan=off``). Every SELECT those tasks send is
captured as it runs and EXPLAINed with its own parameters: a statement that filters a big table must
not scan it. A statement with no WHERE at all reads the whole table on purpose (the health board's
store-wide figures, the score board): for it a scan is the right plan and it is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from copilot.core.context import AppContext
from copilot.core.identity import Actor, Role
from copilot.core.settings import Settings
from copilot.core.store.db import Database
from copilot.demo import vectors
from copilot.demo.generator import generate
from copilot.results import Answer
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.brief import brief
from copilot.tasks.email import EmailRequest, draft_email
from copilot.tasks.next_actions import next_actions
from retrieval import service as retrieval
from tests.conftest import NOW
from tools.service_marketing import health_board

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ACCOUNTS = 20_000
BIG = 10_000
"""Rows from which a table counts as big (at 1,000,000 accounts each of these has millions)."""
REP = Actor(id="rep-anna", role=Role.sales)
ADMIN = Actor(id="admin", role=Role.admin)
_SCAN = re.compile(r"Seq Scan on (\w+)")


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    from sqlalchemy import create_engine

    from copilot.core.store.db import make_engine, migrate
    from tests.conftest import PG_ADMIN_URL

    name = "polku_test_plans"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate(engine)
    data: Path = tmp_path_factory.mktemp("plans")
    ctx = AppContext.create(Settings(database_url=url, data_dir=data, _env_file=None))  # type: ignore[call-arg]
    ctx.__dict__["db"] = Database(engine)
    try:
        generate(ctx.db, accounts=ACCOUNTS, seed=7, now=NOW)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        vectors.seed(ctx)
        retrieval.ingest_store_modules(ctx)
        yield ctx
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _capture(ctx: AppContext, run: object) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def listen(_conn, _cursor, statement, params, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, params))

    event.listen(ctx.db.engine, "before_cursor_execute", listen)
    try:
        run()  # type: ignore[operator]
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", listen)
    return seen


def _scans_of_filtered_big_tables(ctx: AppContext, statements: list[tuple[str, object]]) -> list[str]:
    with ctx.db.engine.connect() as conn:
        big = {r[0] for r in conn.execute(text("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= :n"),
                                          {"n": BIG})}
        bad = []
        for statement, params in dict.fromkeys((s, repr(p)) for s, p in statements):
            if not re.search(r"\bWHERE\b", statement):
                continue  # a whole-table read: scanning it is the plan
            args = next(p for s, p in statements if s == statement and repr(p) == params)
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, args))  # type: ignore[arg-type]
            scanned = set(_SCAN.findall(plan)) & big
            if scanned:
                bad.append(f"{sorted(scanned)}: {statement[:300]}\n{plan}")
    return bad


def test_the_store_is_big_enough_for_the_planner_to_choose(big_store: AppContext) -> None:
    with big_store.db.engine.connect() as conn:
        sizes = dict(conn.execute(text("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")).all())
    assert sizes["accounts"] >= ACCOUNTS * 0.99 and sizes["events"] > 200_000 and sizes["usage_weeks"] > 500_000


@pytest.mark.parametrize("task", ["brief", "ask_staff", "ask_customer", "draft", "next_actions", "health_board"])
def test_request_queries_use_indexes(big_store: AppContext, task: str) -> None:
    ctx = big_store
    customer = Actor(id="customer:con-000101", role=Role.customer, contact_id="con-000101")
    runs = {
        "brief": lambda: [brief(ctx, a, actor=REP, now=NOW) for a in ("acc-00017", "acc-12345")],
        "ask_staff": lambda: ask(ctx, AskRequest(question="How do we win against Henkilöstö360?",
                                                 account_id="acc-00017"), actor=REP, now=NOW),
        "ask_customer": lambda: ask(ctx, AskRequest(question="What is the status of my latest order?",
                                                    surface="widget"), actor=customer, now=NOW),
        "draft": lambda: draft_email(ctx, EmailRequest(contact_id="con-000001", goal="renewal"), actor=REP, now=NOW),
        "next_actions": lambda: next_actions(ctx, REP, account_id="acc-00017", now=NOW),
        "health_board": lambda: health_board(ctx, ADMIN, now=NOW),
    }
    statements = _capture(ctx, runs[task])
    assert statements  # the task reached the store
    bad = _scans_of_filtered_big_tables(ctx, statements)
    assert not bad, "\n\n".join(bad)


def test_a_customer_answer_comes_from_their_own_rows(big_store: AppContext) -> None:
    customer = Actor(id="customer:con-000101", role=Role.customer, contact_id="con-000101")
    answer = ask(big_store, AskRequest(question="What is the status of my latest order?", surface="widget"),
                 actor=customer, now=NOW)
    assert isinstance(answer, Answer)
