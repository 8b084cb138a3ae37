"""Run the task eval cases (cases.yaml) on a fixed eval store and score them with deterministic checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import select

from copilot.core.context import AppContext
from copilot.core.identity import Actor, Role
from copilot.core.settings import Settings
from copilot.core.store import models as m
from copilot.core.store.repo import admin, people
from copilot.demo import vectors
from copilot.demo.generator import generate
from copilot.guards.output import staff_terms
from copilot.results import Blocked
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.brief import brief
from copilot.tasks.email import EmailRequest, draft_email
from copilot.tasks.variants import VariantRequest, variants
from retrieval import service as retrieval
from tools import abtest

CASES = Path(__file__).with_name("cases.yaml")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
STAFF = Actor(id="eval", role=Role.admin)


class CaseResult(BaseModel):
    id: str
    task: str
    passed: bool
    failed_checks: list[str]


class EvalReport(BaseModel):
    cases: int
    passed: int
    pass_rate: float
    by_task: dict[str, str]
    results: list[CaseResult]


def eval_context(data_dir: Path) -> AppContext:
    """The eval store: 120 demo accounts, seed 7, fixed date; built once per data directory."""
    ctx = AppContext.create(Settings(data_dir=data_dir, _env_file=None))  # type: ignore[call-arg]
    with ctx.db.session() as session:
        empty = admin.is_empty(session)
    if empty:
        generate(ctx.db, accounts=120, seed=7, now=NOW)
    vectors.seed(ctx)
    retrieval.ingest_store_modules(ctx)
    return ctx


def _contact(ctx: AppContext, sel: dict[str, str]) -> m.Contact:
    with ctx.db.session() as s:
        found = people.contact_with_consent(
            s, purpose=sel["purpose"], status=sel["status"], language=sel.get("language")
        )
    if found is None:
        raise LookupError(f"no contact for selector {sel}")
    return found


def _customer(ctx: AppContext) -> tuple[Actor, str]:
    with ctx.db.session() as s:
        row = s.execute(
            select(m.Contact, m.Order)
            .join(m.Contract, m.Contract.account_id == m.Contact.account_id)
            .join(m.Order, m.Order.account_id == m.Contact.account_id)
            .where(m.Contract.status == "active")
            .order_by(m.Contact.id, m.Order.order_date.desc())
        ).first()
        assert row is not None
        contact, latest = row
    return Actor(id=f"customer:{contact.id}", role=Role.customer, contact_id=contact.id), latest.id


def _text(result: Any) -> str:
    return " ".join(str(getattr(result, k, "")) for k in ("subject", "body", "text", "transparency"))


def _check(name: str, arg: Any, result: Any, ctx_info: dict[str, Any]) -> bool:
    ok = not isinstance(result, Blocked)
    text = _text(result)
    checks: dict[str, Callable[[], bool]] = {
        "ok": lambda: ok,
        "blocked": lambda: not ok,
        "reason_contains": lambda: isinstance(result, Blocked) and arg in result.reason,
        "language": lambda: ok and result.language == arg,
        "cited": lambda: (
            ok
            and bool(getattr(result, "modules", None) or getattr(result, "citations", None))
            and all(f"[{c.ref}]" in text for c in (getattr(result, "modules", None) or result.citations))
        ),
        "modules_4_6": lambda: ok and 4 <= len(result.modules) <= 6,
        "grounded": lambda: ok and result.guard.grounded,
        "transparency": lambda: ok and "https://kaarna.example/" in (result.transparency or ""),
        "no_staff_terms": lambda: ok and not staff_terms(text),
        "contains_any": lambda: ok and any(a in text for a in arg),
        "not_contains": lambda: all(a not in text for a in arg),
        "known": lambda: ok and result.known,
        "unknown_handoff": lambda: ok and not result.known and result.handoff,
        "handoff": lambda: ok and result.handoff == arg,
        "public_only": lambda: ok and "internal_content" not in result.provenance.categories,
        "mentions_first_name": lambda: ok and ctx_info["first_name"] in result.body,
        "own_order": lambda: ok and ctx_info["order_id"] in result.text,
        "one_element": lambda: (
            ok
            and all(abtest.check_one_element(result.variants[0].elements, v.elements).ok for v in result.variants[1:])
        ),
        "hypotheses": lambda: ok and all(v.hypothesis for v in result.variants),
        "sample_size_min": lambda: ok and result.sample_size.per_group >= arg,
        "sections": lambda: ok and len(result.sections) >= 6 and bool(result.opening_line),
    }
    return checks[name]()


def _run_case(ctx: AppContext, task: str, case: dict[str, Any]) -> CaseResult:
    info: dict[str, Any] = {}
    try:
        if task == "drafts":
            contact = _contact(ctx, case["contact"])
            info["first_name"] = contact.first_name
            result: Any = draft_email(ctx, EmailRequest(contact_id=contact.id, goal=case["goal"]), actor=STAFF, now=NOW)
        elif task == "asks":
            actor = {"visitor": Actor(id="visitor", role=Role.visitor), "staff": STAFF}.get(case["as"])
            if actor is None:
                actor, info["order_id"] = _customer(ctx)
            result = ask(ctx, AskRequest(question=case["question"], surface="widget"), actor=actor, now=NOW)
        elif task == "variants":
            contact = _contact(ctx, {"purpose": "email_marketing", "status": "granted"})
            result = variants(ctx, VariantRequest(contact_id=contact.id, element=case["element"]), actor=STAFF, now=NOW)
        else:
            with ctx.db.session() as s:
                account = people.active_customer(s)
            assert account is not None
            result = brief(ctx, account.id, actor=STAFF, now=NOW)
    except Exception as exc:  # a crash is a failed case, reported with its type
        return CaseResult(id=case["id"], task=task, passed=False, failed_checks=[f"error: {type(exc).__name__}: {exc}"])
    failed = []
    for check in case["checks"]:
        name, arg = next(iter(check.items())) if isinstance(check, dict) else (check, None)
        if not _check(name, arg, result, info):
            failed.append(name)
    return CaseResult(id=case["id"], task=task, passed=not failed, failed_checks=failed)


def run(ctx: AppContext, cases_file: Path = CASES) -> EvalReport:
    cases = yaml.safe_load(cases_file.read_text(encoding="utf-8"))
    results = [_run_case(ctx, task, case) for task, items in cases.items() for case in items]
    by_task = {}
    for task in cases:
        mine = [r for r in results if r.task == task]
        by_task[task] = f"{sum(r.passed for r in mine)}/{len(mine)}"
    passed = sum(r.passed for r in results)
    return EvalReport(
        cases=len(results),
        passed=passed,
        pass_rate=round(passed / max(len(results), 1), 3),
        by_task=by_task,
        results=results,
    )
