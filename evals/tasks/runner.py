"""Run the task evals (the YAML case files beside this module) on a fixed eval store.

Every case runs one copilot task as its user would meet it and applies deterministic usefulness
checks (``evals.tasks.checks``). Cases are split dev/test: tune on dev, judge on test.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from copilot.core import locale
from copilot.core.context import AppContext
from copilot.core.identity import Actor, Role
from copilot.core.settings import Settings
from copilot.core.store import models as m
from copilot.core.store.repo import admin, people, signals, tickets
from copilot.demo import vectors
from copilot.demo.generator import generate
from copilot.guards.output import staff_terms
from copilot.results import Blocked
from copilot.tasks.ask import AskRequest, ask
from copilot.tasks.brief import brief
from copilot.tasks.campaign import CampaignRequest, campaign
from copilot.tasks.email import EmailRequest, draft_email
from copilot.tasks.next_actions import next_actions
from copilot.tasks.reply import SuggestedReply, suggest_reply
from copilot.writing import offers
from copilot.writing.situation import situation
from evals.tasks import checks
from retrieval import service as retrieval

HERE = Path(__file__).parent
CASE_FILES = {"visitor_questions.yaml": "visitor", "emails.yaml": "emails", "replies.yaml": "replies",
              "staff.yaml": "briefs"}
"""Each case file and the group a plain list in it holds (files with several groups name them)."""
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
STAFF = Actor(id="rep-anna", role=Role.sales)
MARKETER = Actor(id="mkt-olli", role=Role.marketing)
SUPPORT = Actor(id="sup-eeva", role=Role.support)


class CaseResult(BaseModel):
    id: str
    task: str
    split: str
    language: str
    checks: dict[str, bool]
    note: str = ""
    """What the output was, shortened: why a failing case failed."""

    @property
    def passed(self) -> bool:
        return all(self.checks.values())


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


def _short(text: str, n: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def visitor(ctx: AppContext, case: dict[str, Any]) -> CaseResult:
    r = ask(ctx, AskRequest(question=case["question"], surface="widget"), actor=Actor(id="eval", role=Role.visitor),
            now=NOW)
    assert not isinstance(r, Blocked)
    got: dict[str, bool] = {"language": r.language == case["lang"] and checks.in_language(r.text, case["lang"]),
                            "public_only": "internal_content" not in r.provenance.categories
                            and not staff_terms(r.text)}
    why = ""
    if case["kind"] == "smalltalk_handoff":
        got["handoff"] = r.handoff
        why = "" if r.handoff else "no person offered"
    elif not case["answerable"]:
        got["honest_dont_know"] = not r.known and r.handoff
        why = "" if got["honest_dont_know"] else "answered what the content does not say"
    else:
        got["answered"] = r.known
        got["key_fact_first"] = r.known and checks.key_facts_early(r.text, case["key_facts"])
        lacking = " / ".join(g[0] for g in case["key_facts"] if not checks.key_facts_early(r.text, [g]))
        why = "said it does not know" if not r.known else (f"first two sentences lack {lacking!r}" if lacking else "")
    if not got["language"]:
        why = f"answered in {r.language}, asked in {case['lang']}" + (f"; {why}" if why else "")
    return CaseResult(id=case["id"], task="visitor", split=case["split"], language=case["lang"], checks=got,
                      note=f"{why} – {_short(r.text)}" if why else _short(r.text))


def _account_facts(ctx: AppContext, contact: m.Contact, lang: str) -> tuple[list[str], list[str]]:
    """(facts of the contact's account a text could name, names of the products it owns)."""
    with ctx.db.session() as s:
        account = s.get(m.Account, contact.account_id)
        found = signals.signals_of(s, account_ids=[contact.account_id], today=NOW.date())
    sit = situation(account, found.get(contact.account_id), today=NOW.date())
    facts = [sit.company or ""]
    if sit.contract_end:
        facts += [locale.day(sit.contract_end, lang), sit.contract_product or ""]
    if sit.contract_start:
        facts.append(str(sit.contract_start.year))
    if sit.former_end:  # a former customer: when their agreement ended
        facts.append(locale.day(sit.former_end, lang))
    if sit.last_order:
        facts += [sit.last_order[0], locale.day(sit.last_order[1], lang)]
    owned = [n for k in sit.owned for n in offers.names(k, lang)]
    return facts, owned if sit.customer else []


def email(ctx: AppContext, case: dict[str, Any]) -> CaseResult:
    lang = case["language"]
    with ctx.db.session() as s:
        found = people.contacts_where(s, language=lang, customer=case["customer"], today=NOW.date(),
                                      consent=case["consent"], limit=1, offset=case["nth"])
        s.expunge_all()
    contact = found[0]
    d = draft_email(ctx, EmailRequest(contact_id=contact.id, goal=case["goal"]), actor=STAFF, now=NOW)
    if isinstance(d, Blocked):
        return CaseResult(id=case["id"], task="email", split=case["split"], language=lang, checks={"written": False},
                          note=d.reason)
    facts, owned = _account_facts(ctx, contact, lang)
    text = f"{d.subject}\n{d.body}"
    got = {
        "written": True,
        "language": d.language == lang and checks.in_language(d.body, lang),
        "no_markers": checks.no_markers(text),
        "length_60_180": 60 <= checks.words(d.body) <= 180,
        "account_fact": checks.names_any(d.body, facts),
        "no_owned_pitched": case["goal"] in ("renewal", "onboarding") or checks.pitches_none_of(text, owned),
        "transparency": "https://kaarna.example/" in d.transparency,
        "public_only": "internal_content" not in d.provenance.categories and not staff_terms(text),
    }
    return CaseResult(id=case["id"], task="email", split=case["split"], language=lang, checks=got,
                      note=f"{contact.id} {d.trigger}/{d.offer}: {_short(d.subject, 60)} | {_short(d.body, 120)}")


def segment(ctx: AppContext, case: dict[str, Any]) -> CaseResult:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "campaign.jsonl"
        campaign(ctx, CampaignRequest(segment=case["segment"], goal=case["goal"], out=out, limit=case["limit"]),
                 actor=MARKETER, now=NOW)
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    subjects = [r["subject"] for r in rows]
    share = checks.distinct_share(subjects)
    lang = "fi" if "language=fi" in case["segment"] else "en"
    return CaseResult(id=case["id"], task="campaign", split=case["split"], language=lang,
                      checks={"distinct_subjects": share >= 0.9 and len(rows) >= 5},
                      note=f"{len(set(subjects))} distinct subjects of {len(rows)}")


def reply(ctx: AppContext, case: dict[str, Any]) -> CaseResult:
    lang = case["contact_language"]
    with ctx.db.session() as s:
        contact = people.contacts_where(s, language=lang, customer=True, today=NOW.date(), limit=1)[0]
        ticket = tickets.open_ticket(s, account_id=contact.account_id, contact_id=contact.id,
                                     subject=case["subject"], body=case["body"], channel="email", at=NOW)
    try:
        r = suggest_reply(ctx, ticket, actor=SUPPORT, now=NOW)
    finally:  # the account's brief must not change with every run of the evals
        with ctx.db.session() as s:
            tickets.withdraw(s, ticket)
    if not isinstance(r, SuggestedReply):
        return CaseResult(id=case["id"], task="reply", split=case["split"], language=lang, checks={"written": False},
                          note=r.reason)
    pair = r.article.location.rsplit("/", 1)[1].rsplit(".", 1)[0] if r.article else None
    got = {
        "language": r.language == lang and checks.in_language(r.text, lang),
        "topic": any(w.lower() in r.text.lower() for w in case["topic"]),
        "right_help": (r.escalate and pair is None) if case.get("escalate") else pair == case["article"],
        "public_only": "internal_content" not in r.provenance.categories and not staff_terms(r.text),
    }
    return CaseResult(id=case["id"], task="reply", split=case["split"], language=lang, checks=got,
                      note=f"{pair or 'escalated'}: {_short(r.text, 120)}")


def _staff_target(ctx: AppContext, case: dict[str, Any]) -> str:
    with ctx.db.session() as s:
        return people.accounts_where(s, customer=case["customer"], today=NOW.date(), limit=1, offset=case["nth"])[0].id


def staff_text(ctx: AppContext, case: dict[str, Any], task: str) -> CaseResult:
    lang = case["language"]
    if task == "brief":
        text = brief(ctx, _staff_target(ctx, case), actor=STAFF, language=lang, now=NOW).text
    elif case.get("owner"):
        text = next_actions(ctx, STAFF, owner=case["owner"], language=lang, now=NOW).text
    else:
        text = next_actions(ctx, STAFF, account_id=_staff_target(ctx, case), language=lang, now=NOW).text
    problems = checks.staff_text_problems(text, lang)
    got = {"readable": not problems, "language": checks.in_language(text, lang)}
    return CaseResult(id=case["id"], task=task, split=case["split"], language=lang, checks=got,
                      note="; ".join(problems) or _short(text))


def _runners() -> dict[str, Callable[[AppContext, dict[str, Any]], CaseResult]]:
    return {
        "visitor": visitor,
        "emails": email,
        "segments": segment,
        "replies": reply,
        "briefs": lambda ctx, case: staff_text(ctx, case, "brief"),
        "next_actions": lambda ctx, case: staff_text(ctx, case, "next_actions"),
    }


def load_cases(folder: Path = HERE) -> dict[str, list[dict[str, Any]]]:
    """The cases of every case file in `folder`; a folder may hold only some of the files (a sealed set)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, group in CASE_FILES.items():
        if not (folder / name).exists() and folder != HERE:
            continue
        data = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        if isinstance(data, list):  # the visitor questions are a plain list; so may other files be
            data = {group: data}
        for group, cases in data.items():
            out.setdefault(group, []).extend(cases)
    return out


def run(ctx: AppContext, *, split: str | None = None, folder: Path = HERE,
        progress: Callable[[], None] | None = None) -> list[CaseResult]:
    """Every case (of one split, when given), each as a result; a crash is a failed case with its error."""
    runners = _runners()
    results = []
    for group, cases in load_cases(folder).items():
        for case in cases:
            if split and case["split"] != split:
                continue
            try:
                results.append(runners[group](ctx, case))
            except Exception as exc:  # a crash is a failed case, reported with its type
                lang = case.get("lang") or case.get("language") or case.get("contact_language") or "?"
                results.append(CaseResult(id=case["id"], task=group, split=case["split"], language=lang,
                                          checks={"ran": False}, note=f"{type(exc).__name__}: {exc}"))
            if progress:
                progress()
    return results
