"""Copilot benchmark: composer latency (ask, draft_email), campaign throughput and memory, and the
tokens of the llm engine's prompt beside a naive "top-10 chunks + whole account as JSON" baseline.

    .venv/bin/python bench/copilot_bench.py            # 100,000-account store (writes bench/REPORT-copilot.md)
    .venv/bin/python bench/copilot_bench.py --small    # 2,000 accounts, fewer repeats: about a minute

The store is a private copy (the benchmark writes conversations and audit records): ``--source`` is
copied to ``--db`` when that does not exist yet, else ``copilot.demo.generator.generate(accounts=...,
seed=7)`` builds it. The content index is built in ``--data-dir`` with ``ingest_store_modules``; the
embedding cache of ``.polku/cache`` is copied there first so no passage has to be embedded again.

Everything runs on a shared, noisy machine: every figure is a median with its spread (p5-p95 or
min-max), with per-call CPU time beside the wall clock (wall >> CPU means waiting for a core).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from copilot.core.context import AppContext  # noqa: E402
from copilot.core.identity import Actor, Role  # noqa: E402
from copilot.core.settings import Settings  # noqa: E402

GOAL_MS = 100.0
GOAL_CAMPAIGN_S = 20.0
GOAL_TOKEN_RATIO = 3.0
QUERIES = ROOT / "evals" / "retrieval" / "demo_queries.yaml"
EMB_CACHE = ROOT / ".polku" / "cache" / "embeddings.sqlite3"
ACCOUNT_TABLES = ["contacts", "orders", "contracts", "tickets", "events", "usage_weeks", "activities", "tasks",
                  "survey_responses", "opportunities", "leads"]
CONTACT_TABLES = ["touches", "consents", "consent_events", "opportunity_contacts"]
"""What the naive baseline dumps for an account: every CRM table keyed by the account or its contacts
(conversations, messages and the audit log are left out: the benchmark itself writes those)."""


# ----------------------------------------------------------------------------------------- setup


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        mem_gib = int(mem.split()[1]) / 1024**2
    except (OSError, StopIteration):
        mem_gib = float("nan")
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": mem_gib, "python": platform.python_version(),
            "kernel": platform.release(), "machine": platform.machine()}


def build_context(args: argparse.Namespace) -> tuple[AppContext, dict[str, Any]]:
    """A context over the private store copy, migrated, with the content index built in the data dir."""
    from copilot.core.store.db import Database
    from retrieval import service

    info: dict[str, Any] = {}
    db_path, data_dir = Path(args.db), Path(args.data_dir)
    (data_dir / "cache").mkdir(parents=True, exist_ok=True)
    if EMB_CACHE.exists() and not (data_dir / "cache" / "embeddings.sqlite3").exists():
        shutil.copy(EMB_CACHE, data_dir / "cache" / "embeddings.sqlite3")
    settings = Settings(database_url=f"sqlite:///{db_path}", data_dir=data_dir)
    if not db_path.exists():
        source = Path(args.source) if args.source else None
        if source and source.exists():
            t = time.perf_counter()
            shutil.copy(source, db_path)
            info["store"] = f"copied from `{source}` in {time.perf_counter() - t:.0f} s"
        else:
            from copilot.demo.generator import generate

            db = Database.from_settings(settings)
            t = time.perf_counter()
            summary = generate(db, accounts=args.accounts, seed=7, now=datetime(2025, 6, 2, 9, tzinfo=UTC))
            info["store"] = f"generated ({args.accounts:,} accounts, seed 7) in {time.perf_counter() - t:.0f} s"
            info["rows"] = summary.rows
            db.engine.dispose()
    else:
        info["store"] = f"reused `{db_path}`"
    ctx = AppContext.create(settings)
    ctx.db  # noqa: B018 - migrates (idempotent)
    t = time.perf_counter()
    ing = service.ingest_store_modules(ctx)
    info["ingest"] = (f"{len(ing.added) + len(ing.updated) + len(ing.unchanged)} modules, "
                      f"{ing.chunks_embedded} chunks embedded, {time.perf_counter() - t:.1f} s")
    with ctx.db.engine.connect() as c:
        info["counts"] = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in
                          ("accounts", "contacts", "orders", "events", "tickets", "usage_weeks")}
        last = c.execute(text("SELECT max(at) FROM events")).scalar()
    last_day = date.fromisoformat(str(last)[:10])
    info["now"] = datetime(last_day.year, last_day.month, last_day.day, 9, tzinfo=UTC) + timedelta(days=1)
    return ctx, info


def load_cases() -> list[dict[str, Any]]:
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def sample_ids(ctx: AppContext, table: str, n: int, seed: int) -> list[str]:
    with ctx.db.engine.connect() as c:
        total = c.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0
        rng = random.Random(seed)
        offsets = sorted(rng.sample(range(total), min(n, total)))
        ids = [c.execute(text(f"SELECT id FROM {table} ORDER BY id LIMIT 1 OFFSET :o"), {"o": o}).scalar()
               for o in offsets]
    rng.shuffle(ids)
    return ids


# ------------------------------------------------------------------------------------ statistics


def pcts(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {k: float("nan") for k in ("n", "p5", "p50", "p95", "p99", "max")}
    q = np.percentile(ms, [5, 50, 95, 99])
    return {"n": len(ms), "p5": q[0], "p50": q[1], "p95": q[2], "p99": q[3], "max": max(ms)}


@dataclass
class Series:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, wall_s: float, cpu_s: float) -> None:
        self.wall.append(wall_s * 1000)
        self.cpu.append(cpu_s * 1000)

    def __iadd__(self, other: Series) -> Series:
        self.wall += other.wall
        self.cpu += other.cpu
        return self


def timed(fn: Any, *a: Any, **kw: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn(*a, **kw)
    return out, time.perf_counter() - w, time.process_time() - c


# --------------------------------------------------------------------------------- 1. latency


def ask_latency(ctx: AppContext, args: argparse.Namespace, now: datetime, cases: list[dict], accounts: list[str]
                ) -> dict[str, Any]:
    from copilot.tasks.ask import AskRequest, ask

    visitor = Actor(id="bench-visitor", role=Role.visitor)
    staff = Actor(id="bench-staff", role=Role.sales)
    questions = cases[: args.questions]
    warm = cases[-args.warmup:]

    def one(case: dict, who: str, account: str | None) -> tuple[Any, float, float]:
        req = AskRequest(question=case["query"], language=case["lang"], account_id=account,
                         surface="widget" if who == "visitor" else "sidebar")
        return timed(ask, ctx, req, actor=visitor if who == "visitor" else staff, now=now)

    out: dict[str, Any] = {}
    _, w, c = one(cases[0], "visitor", None)
    out["cold_visitor_ms"] = (w * 1000, c * 1000)
    _, w, c = one(cases[1], "staff", accounts[-1])
    out["cold_staff_ms"] = (w * 1000, c * 1000)
    for case in warm:  # warm-up on questions (and an account) that are not measured
        one(case, "visitor", None)
        one(case, "staff", accounts[-1])
    series: dict[tuple[str, str, str], Series] = {}
    for rep in range(args.repeats):
        phase = "first" if rep == 0 else "repeat"
        for i, case in enumerate(questions):
            for who in ("visitor", "staff"):
                _, w, c = one(case, who, accounts[i % (len(accounts) - 1)] if who == "staff" else None)
                series.setdefault((who, case["lang"], phase), Series()).add(w, c)
    out["series"] = series
    return out


def email_latency(ctx: AppContext, args: argparse.Namespace, now: datetime, contacts: list[str]) -> dict[str, Any]:
    from copilot.results import Blocked
    from copilot.tasks.email import EmailRequest, draft_email

    staff = Actor(id="bench-staff", role=Role.marketing)
    out: dict[str, Any] = {}
    _, w, c = timed(draft_email, ctx, EmailRequest(contact_id=contacts[-1]), actor=staff, now=now)
    out["cold_ms"] = (w * 1000, c * 1000)
    for cid in contacts[-11:-1]:
        draft_email(ctx, EmailRequest(contact_id=cid), actor=staff, now=now)
    series: dict[tuple[str, str], Series] = {}
    goals = ["nurture", "renewal", "upsell", "onboarding"]
    for rep in range(args.email_repeats):
        phase = "first" if rep == 0 else "repeat"
        for i, cid in enumerate(contacts[: args.emails]):
            res, w, c = timed(draft_email, ctx, EmailRequest(contact_id=cid, goal=goals[i % len(goals)]),
                              actor=staff, now=now)
            kind = "blocked" if isinstance(res, Blocked) else "draft"
            series.setdefault((kind, phase), Series()).add(w, c)
    out["series"] = series
    return out


def profile(fn: Any, top: int = 18) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    buf.write("\n")
    stats.sort_stats("tottime").print_stats(top)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    return "\n".join(ln.replace(str(ROOT) + "/", "").replace(sys.prefix + "/lib/python3.11/site-packages/", "")
                     for ln in lines)


# -------------------------------------------------------------------------------- 2. campaign


def campaign_child(args: argparse.Namespace) -> None:
    """One campaign run in a fresh process (so peak RSS belongs to this run); prints JSON."""
    from copilot.tasks.campaign import CampaignRequest, campaign

    ctx, info = build_context(args)
    from retrieval import service

    service.index(ctx)  # loading the index and the model is start-up, not campaign work
    service.embedder(ctx).embed_query("start-up")  # the query side of the model loads on first use
    if args.trace:
        tracemalloc.start()
    req = CampaignRequest(segment=args.segment, goal="nurture", out=Path(args.campaign_out), limit=args.campaign)
    staff = Actor(id="bench-staff", role=Role.marketing)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    prof = cProfile.Profile() if args.profile_campaign else None
    if prof:
        prof.enable()
    w, c = time.perf_counter(), time.process_time()
    summary = campaign(ctx, req, actor=staff, now=info["now"])
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    if prof:
        prof.disable()
        prof.dump_stats(args.profile_campaign)
    peak = tracemalloc.get_traced_memory()[1] if args.trace else None
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_before_mib": rss0 / 1024,
                      "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "traced_peak_mib": peak / 2**20 if peak else None,
                      "written": summary.written, "contacts": summary.contacts, "skipped": summary.skipped,
                      "flagged": summary.flagged, "bytes": Path(args.campaign_out).stat().st_size}))


def run_campaigns(args: argparse.Namespace) -> dict[str, Any]:
    base = [sys.executable, __file__, "--campaign-child", "--db", args.db, "--data-dir", args.data_dir,
            "--segment", args.segment, "--campaign", str(args.campaign)]
    runs = []
    for i in range(args.campaign_runs + 1):
        trace = i == args.campaign_runs  # the last run measures the Python heap (tracemalloc slows it)
        out = Path(args.data_dir) / f"campaign-{i}.csv"
        cmd = [*base, "--campaign-out", str(out)] + (["--trace"] if trace else [])
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise SystemExit(f"campaign child failed:\n{res.stderr[-3000:]}")
        row = json.loads(res.stdout.strip().splitlines()[-1])
        row["traced"] = trace
        runs.append(row)
        print(f"  campaign run {i}: {row['wall']:.1f} s wall, {row['cpu']:.1f} s cpu, "
              f"peak RSS {row['rss_peak_mib']:.0f} MiB", flush=True)
    prof_txt = None
    timed_runs = [r for r in runs if not r["traced"]]
    if float(np.median([r["wall"] for r in timed_runs])) > GOAL_CAMPAIGN_S or args.profile_all:
        pfile = Path(args.data_dir) / "campaign.prof"
        cmd = [*base, "--campaign-out", str(Path(args.data_dir) / "campaign-prof.csv"),
               "--profile-campaign", str(pfile)]
        subprocess.run(cmd, capture_output=True, text=True, check=True)
        buf = io.StringIO()
        st = pstats.Stats(str(pfile), stream=buf)
        st.sort_stats("cumulative").print_stats(18)
        st.sort_stats("tottime").print_stats(18)
        prof_txt = "\n".join(ln.replace(str(ROOT) + "/", "").replace(sys.prefix + "/lib/python3.11/site-packages/", "")
                             for ln in buf.getvalue().splitlines() if ln.strip())
    return {"runs": runs, "profile": prof_txt}


# ---------------------------------------------------------------------------------- 3. tokens


def account_dump(ctx: AppContext, account_id: str) -> str:
    """The naive context: the account row and every row of every table about it or its contacts."""
    out: dict[str, Any] = {}
    with ctx.db.engine.connect() as c:
        out["account"] = [dict(r._mapping) for r in c.execute(text("SELECT * FROM accounts WHERE id=:a"),
                                                                {"a": account_id})]
        for t in ACCOUNT_TABLES:
            out[t] = [dict(r._mapping) for r in c.execute(text(f"SELECT * FROM {t} WHERE account_id=:a"),
                                                            {"a": account_id})]
        cids = [r["id"] for r in out["contacts"]]
        for t in CONTACT_TABLES:
            rows = []
            for cid in cids:
                rows += [dict(r._mapping) for r in c.execute(text(f"SELECT * FROM {t} WHERE contact_id=:c"),
                                                               {"c": cid})]
            out[t] = rows
    return json.dumps(out, default=str, ensure_ascii=False)


def tokens_and_recall(ctx: AppContext, args: argparse.Namespace, now: datetime, cases: list[dict],
                      accounts: list[str]) -> dict[str, Any]:
    """Per staff question scoped to an account: our llm prompt vs the naive prompt, and module recall."""
    import copilot.tasks.ask as ask_mod
    from copilot.engines.llm.engine import CANARY, LANGUAGE_NAMES
    from copilot.guards.injection import quarantine
    from copilot.guards.pii import Masker
    from prompts import load
    from retrieval import service
    from retrieval.models import SearchFilters
    from retrieval.tokens import count_tokens

    captured: list[Any] = []
    real_get_engine = ask_mod.get_engine

    class Capture:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def answer(self, tc: Any, **kw: Any) -> Any:
            captured.append(tc)
            return self.inner.answer(tc, **kw)

    ask_mod.get_engine = lambda c, name=None: Capture(real_get_engine(c, name))  # type: ignore[assignment]
    staff = Actor(id="bench-staff", role=Role.sales)
    rows = []
    try:
        for i, case in enumerate(cases):
            account = accounts[i % len(accounts)]
            q, lang = case["query"], case["target_lang"]
            captured.clear()
            ask_mod.ask(ctx, ask_mod.AskRequest(question=q, language=lang, account_id=account, surface="sidebar"),
                        actor=staff, now=now)
            tc = captured[-1]
            # Exactly what LlmEngine._run sends: system prompt, then the masked context and the question.
            qtc, _ = quarantine(tc)
            masker = Masker.for_names(qtc.names)
            system = load("agent", lang).format(canary=CANARY, language_name=LANGUAGE_NAMES[lang])
            system += "\n\n" + load("answer", lang)
            ours = system + "\n" + f"<context>\n{masker.mask(qtc.render())}\n</context>\n\n{masker.mask('Question: ' + q)}"
            hits = service.search(ctx, q, k=10, filters=SearchFilters(language=lang)).hits
            chunks = "\n".join(f"[{n}] {h.title}: {h.text or h.snippet}" for n, h in enumerate(hits, 1))
            dump = account_dump(ctx, account)
            naive = system + "\n" + f"<context>\n{chunks}\n{dump}\n</context>\n\nQuestion: {q}"
            relevant = set(case["relevant"])
            ours_mods = {p.source_id.removeprefix("module:") for p in tc.passages}
            base_mods = {h.source_id.removeprefix("module:") for h in hits}
            rows.append({
                "id": case["id"], "lang": lang, "account": account,
                "ours": count_tokens(ours), "ours_context": count_tokens(qtc.render()),
                "naive": count_tokens(naive), "naive_chunks": count_tokens(chunks), "naive_dump": count_tokens(dump),
                "system": count_tokens(system),
                "passages": len(tc.passages), "history": len(tc.history),
                "recall_ours": len(relevant & ours_mods) / len(relevant),
                "recall_naive": len(relevant & base_mods) / len(relevant),
            })
    finally:
        ask_mod.get_engine = real_get_engine  # type: ignore[assignment]
    return {"rows": rows}


# ---------------------------------------------------------------------------------- reporting


def fmt_row(name: str, s: Series, goal: float | None = GOAL_MS) -> str:
    p, cp = pcts(s.wall), pcts(s.cpu)
    verdict = "" if goal is None else ("met" if p["p95"] <= goal else "**missed**")
    return (f"| {name} | {p['n']} | {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | {p['p5']:.1f}–{p['max']:.1f} "
            f"| {cp['p50']:.1f} / {cp['p95']:.1f} | {p['p95'] / goal if goal else float('nan'):.2f} | {verdict} |")


LAT_HEAD = ("| what | n | p50 ms | p95 ms | p99 ms | spread (p5–max) ms | CPU p50 / p95 ms | p95 ÷ goal | goal p95 ≤ 100 ms |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---|")


def merge(series: dict, pred: Any) -> Series:
    out = Series()
    for k, s in series.items():
        if pred(k):
            out += s
    return out


def write_report(path: Path, args: argparse.Namespace, m: dict, info: dict, load0: tuple, load1: tuple,
                 ask_res: dict, email_res: dict, camp: dict, tok: dict, profiles: dict, started: datetime,
                 took: float) -> None:
    L: list[str] = []
    cmd = " ".join(["python bench/copilot_bench.py", *sys.argv[1:]])
    L += ["# Copilot benchmark", "",
          f"Generated by `{cmd}` (do not edit by hand) on {started:%Y-%m-%d %H:%M} UTC, {took / 60:.1f} min.", "",
          f"Machine: {m['machine']}, {m['nproc']} CPUs ({m['cpu']}), {m['mem_gib']:.1f} GiB RAM, "
          f"Python {m['python']}, Linux {m['kernel']}. Load average (1/5/15 min) at start "
          f"{load0[0]:.1f} / {load0[1]:.1f} / {load0[2]:.1f}, at end {load1[0]:.1f} / {load1[1]:.1f} / {load1[2]:.1f}: "
          f"the machine is shared (other benchmarks, test runs and an API server ran beside this one), so read "
          f"medians and spreads, and the CPU column (this process's CPU time per call: wall ≫ CPU means the call "
          f"waited for a core).", "",
          f"Store: {info['store']}; " + ", ".join(f"{v:,} {k}" for k, v in info["counts"].items())
          + f"; SQLite `{args.db}`. Content index: {info['ingest']}. `now` = {info['now']:%Y-%m-%d} "
          f"(the day after the store's last event). Engine: composer (the default).", ""]

    # Summary table
    a = ask_res["series"]
    e = email_res["series"]
    ask_steady = merge(a, lambda k: k[2] == "repeat")
    ask_first = merge(a, lambda k: k[2] == "first")
    email_steady = merge(e, lambda k: k[1] == "repeat")
    email_first = merge(e, lambda k: k[1] == "first")
    timed_runs = [r for r in camp["runs"] if not r["traced"]]
    walls = [r["wall"] for r in timed_runs]
    rows = tok["rows"][: args.questions]
    ours = [r["ours"] for r in rows]
    naive = [r["naive"] for r in rows]
    ratios = [n / o for n, o in zip(naive, ours, strict=True)]
    rec_o = float(np.mean([r["recall_ours"] for r in tok["rows"]]))
    rec_n = float(np.mean([r["recall_naive"] for r in tok["rows"]]))

    def ok(b: bool) -> str:
        return "met" if b else "**missed**"

    L += ["## Summary", "",
          "| goal | measured | verdict |", "|---|---|---|",
          f"| `ask` p95 ≤ 100 ms (steady state) | p95 {pcts(ask_steady.wall)['p95']:.1f} ms (p50 "
          f"{pcts(ask_steady.wall)['p50']:.1f}); first sight of a question/account p95 {pcts(ask_first.wall)['p95']:.1f} ms "
          f"| {ok(pcts(ask_steady.wall)['p95'] <= GOAL_MS)} steady; {ok(pcts(ask_first.wall)['p95'] <= GOAL_MS)} first sight |",
          f"| `draft_email` p95 ≤ 100 ms (steady state) | p95 {pcts(email_steady.wall)['p95']:.1f} ms (p50 "
          f"{pcts(email_steady.wall)['p50']:.1f}); first draft per contact p95 {pcts(email_first.wall)['p95']:.1f} ms "
          f"| {ok(pcts(email_steady.wall)['p95'] <= GOAL_MS)} steady; {ok(pcts(email_first.wall)['p95'] <= GOAL_MS)} first |",
          f"| campaign of {args.campaign:,} contacts ≤ 20 s | median {np.median(walls):.1f} s (min {min(walls):.1f}, "
          f"max {max(walls):.1f}, n={len(walls)}) | {ok(float(np.median(walls)) <= GOAL_CAMPAIGN_S)} |",
          f"| ≥ 3× fewer prompt tokens than the naive baseline | median {np.median(ours):.0f} vs {np.median(naive):.0f} "
          f"tokens, median ratio {np.median(ratios):.2f}× (min {min(ratios):.2f}×) | {ok(float(np.median(ratios)) >= GOAL_TOKEN_RATIO)} |",
          f"| … with the same recall of the relevant passages | {rec_o:.3f} ours vs {rec_n:.3f} baseline top-10 "
          f"({len(tok['rows'])} labelled queries) | {ok(rec_o >= rec_n - 1e-9)} |", ""]

    # 1. latency
    L += ["## 1. Composer latency", "",
          f"`ask`: {args.questions} questions of `evals/retrieval/demo_queries.yaml` (fi and en, their own language), "
          f"each as a visitor (widget, public content) and as staff (sidebar, scoped to one of "
          f"{len(set(ask_res['accounts']))} randomly sampled accounts, so the account's history is retrieved too), "
          f"{args.repeats} passes. Pass 1 is the first time the process sees each question (its query embedding is "
          f"computed) and each account (its rows are read for the first time; history is ranked by BM25 and "
          f"recency, nothing is embedded for it); passes 2+ are the steady state (query vectors from the "
          f"in-memory LRU; each account's history also holds the questions asked about it before). Warm-up first: "
          f"{max(len(ask_res['warm']), 0)} other questions, not measured. Every call is the whole service "
          f"function: gate, facts, retrieval, composer, guard, audit and conversation writes.", "",
          f"Cold first call of the process (loads the index snapshot, the embedding model, the tokenizer, opens the "
          f"store): visitor `ask` {ask_res['cold_visitor_ms'][0]:.0f} ms wall ({ask_res['cold_visitor_ms'][1]:.0f} ms CPU); "
          f"then the first staff `ask` {ask_res['cold_staff_ms'][0]:.0f} ms; first `draft_email` "
          f"{email_res['cold_ms'][0]:.0f} ms ({email_res['cold_ms'][1]:.0f} ms CPU).", "",
          LAT_HEAD]
    for who in ("visitor", "staff"):
        for lang in ("fi", "en"):
            for phase in ("repeat", "first"):
                s = a.get((who, lang, phase))
                if s:
                    L.append(fmt_row(f"ask {who} {lang}, {'steady' if phase == 'repeat' else 'first sight'}", s))
    L.append(fmt_row("**ask, all steady state**", ask_steady))
    L.append(fmt_row("ask, all first sight", ask_first))
    for kind in ("draft", "blocked"):
        for phase in ("repeat", "first"):
            s = e.get((kind, phase))
            if s:
                L.append(fmt_row(f"draft_email → {kind}, {'steady' if phase == 'repeat' else 'first per contact'}", s))
    L.append(fmt_row("**draft_email, all steady state**", email_steady))
    L.append(fmt_row("draft_email, all first per contact", email_first))
    L += ["", f"`draft_email`: {args.emails} randomly sampled contacts (goals nurture, renewal, upsell, onboarding in "
          f"turn), {args.email_repeats} passes; 'blocked' are contacts the consent gate refuses (a cheaper path).", ""]
    L += [f"Ratio steady-state p50, staff ÷ visitor `ask`: "
          f"{pcts(merge(a, lambda k: k[0] == 'staff' and k[2] == 'repeat').wall)['p50'] / max(pcts(merge(a, lambda k: k[0] == 'visitor' and k[2] == 'repeat').wall)['p50'], 1e-9):.2f}×; "
          f"first-sight ÷ steady p50, all `ask`: {pcts(ask_first.wall)['p50'] / pcts(ask_steady.wall)['p50']:.2f}×.", ""]

    # 2. campaign
    L += ["## 2. Campaign copy", "",
          f"`campaign(segment={args.segment!r}, goal='nurture', limit={args.campaign})` to a CSV under "
          f"`{args.data_dir}`, each run in a fresh process (index and model loaded before the clock starts), "
          f"{len(timed_runs)} timed runs + 1 run under tracemalloc for the Python-heap peak.", "",
          "| run | wall s | CPU s | contacts | written | skipped | flagged | peak RSS MiB | traced heap peak MiB |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for i, r in enumerate(camp["runs"]):
        L.append(f"| {'tracemalloc' if r['traced'] else i + 1} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['contacts']:,} | "
                 f"{r['written']:,} | {sum(r['skipped'].values()):,} | {r['flagged']} | {r['rss_peak_mib']:.0f} "
                 f"(start {r['rss_before_mib']:.0f}) | {r['traced_peak_mib'] or float('nan'):.1f} |")
    L += ["", f"Median wall {np.median(walls):.1f} s (min {min(walls):.1f}, max {max(walls):.1f}); "
          f"{args.campaign / np.median(walls):.0f} contacts/s; median CPU {np.median([r['cpu'] for r in timed_runs]):.1f} s. "
          f"Skipped by reason (last run): " + "; ".join(f"{k}: {v:,}" for k, v in camp['runs'][-1]['skipped'].items())
          + ".", ""]

    # 3. tokens
    L += ["## 3. Prompt tokens and recall", "",
          f"For the first {len(rows)} labelled questions, asked by staff and scoped to a random account "
          f"({len({r['account'] for r in rows})} accounts): **ours** is exactly what the llm engine sends "
          f"(`prompts/agent/<lang>.md` + `prompts/answer/<lang>.md` as system prompt, then the quarantined, "
          f"PII-masked `TaskContext.render()` of the real `ask` path, then the question); the **naive** baseline "
          f"sends the same system prompt, the top-10 chunks of the same search (full text) and the whole account "
          f"as JSON (account row + {', '.join(ACCOUNT_TABLES)} by account, {', '.join(CONTACT_TABLES)} by its "
          f"contacts). o200k_base tokens (`retrieval.tokens.count_tokens`); the tool schemas the agent also sends "
          f"are the same for both and left out.", "",
          "| prompt | median | p95 | min–max |", "|---|---:|---:|---:|"]

    def trow(name: str, vals: list[float]) -> str:
        return f"| {name} | {np.median(vals):,.0f} | {np.percentile(vals, 95):,.0f} | {min(vals):,.0f}–{max(vals):,.0f} |"

    L += [trow("ours, whole prompt", ours), trow("… of which context", [r["ours_context"] for r in rows]),
          trow("naive, whole prompt", naive), trow("… of which top-10 chunks", [r["naive_chunks"] for r in rows]),
          trow("… of which account JSON", [r["naive_dump"] for r in rows]),
          trow("system prompt (both)", [r["system"] for r in rows]),
          f"| ratio naive ÷ ours | {np.median(ratios):.2f}× | p5 {np.percentile(ratios, 5):.2f}× | "
          f"{min(ratios):.2f}×–{max(ratios):.2f}× |", "",
          f"Our context held a median of {np.median([r['passages'] for r in rows]):.0f} passages and "
          f"{np.median([r['history'] for r in rows]):.0f} history items.", "",
          f"Recall of the relevant modules (`module:<id>` in the question's `relevant` list) over all "
          f"{len(tok['rows'])} labelled queries asked in their modules' language: ours (passages in the context) {rec_o:.3f}, naive top-10 {rec_n:.3f} "
          f"(on the {len(rows)} used for tokens: {np.mean([r['recall_ours'] for r in rows]):.3f} vs "
          f"{np.mean([r['recall_naive'] for r in rows]):.3f}). Per language: "
          + "; ".join(f"{lg} {np.mean([r['recall_ours'] for r in tok['rows'] if r['lang'] == lg]):.3f} vs "
                      f"{np.mean([r['recall_naive'] for r in tok['rows'] if r['lang'] == lg]):.3f}"
                      for lg in ("fi", "en")) + ".", ""]
    lost = [r["id"] for r in tok["rows"] if r["recall_ours"] < r["recall_naive"]]
    if lost:
        L += [f"Queries where our context found fewer relevant modules than the naive top-10: {', '.join(lost)}.", ""]

    if profiles or camp.get("profile"):
        L += ["## Profiles" + ("" if args.profile_all else " of the misses"), ""]
        for name, txt in profiles.items():
            L += [f"### {name}", "", "```", txt, "```", ""]
        if camp.get("profile"):
            L += ["### campaign (one run, cProfile)", "", "```", camp["profile"], "```", ""]
    path.write_text("\n".join(L) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------- main


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", action="store_true", help="2,000 accounts, fewer repeats: about a minute")
    p.add_argument("--accounts", type=int, default=100_000)
    p.add_argument("--db", default=None, help="private SQLite copy the benchmark uses (and writes to)")
    p.add_argument("--source", default="/tmp/polku100k.sqlite3", help="store to copy when --db does not exist")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--questions", type=int, default=50)
    p.add_argument("--warmup", type=int, default=20, help="unmeasured warm-up questions (from the end of the list)")
    p.add_argument("--repeats", type=int, default=4, help="passes over the ask questions")
    p.add_argument("--emails", type=int, default=300, help="contacts to draft for")
    p.add_argument("--email-repeats", type=int, default=3)
    p.add_argument("--segment", default="language=fi")
    p.add_argument("--campaign", type=int, default=10_000)
    p.add_argument("--campaign-runs", type=int, default=3)
    p.add_argument("--report", default=None)
    p.add_argument("--profile-all", action="store_true", help="profile even when goals are met")
    p.add_argument("--campaign-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--campaign-out", help=argparse.SUPPRESS)
    p.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--profile-campaign", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.small:
        args.accounts = 2_000
        args.source = None
        args.questions, args.repeats, args.emails, args.email_repeats, args.campaign = 12, 2, 30, 2, 1_000
        args.warmup = 4
        args.db = args.db or "/tmp/copilot-bench-small/polku2k.sqlite3"
        args.data_dir = args.data_dir or "/tmp/copilot-bench-small/data"
        args.report = args.report or "/tmp/copilot-bench-small/REPORT-copilot-small.md"
    args.db = args.db or "/tmp/copilot-bench/polku100k.sqlite3"
    args.data_dir = args.data_dir or "/tmp/copilot-bench/data"
    args.report = args.report or str(ROOT / "bench" / "REPORT-copilot.md")
    if args.campaign_child:
        campaign_child(args)
        return

    started, t0, load0 = datetime.now(UTC), time.perf_counter(), os.getloadavg()
    m = machine()
    print(f"machine: {m}, load {load0}", flush=True)
    ctx, info = build_context(args)
    now = info["now"]
    print(f"store: {info['store']}; {info['counts']}; ingest {info['ingest']}; now {now}", flush=True)
    cases = load_cases()
    accounts = sample_ids(ctx, "accounts", 60, seed=11)
    contacts = sample_ids(ctx, "contacts", args.emails + 11, seed=12)

    ask_res = ask_latency(ctx, args, now, cases, accounts)
    ask_res["accounts"] = accounts[:-1][: args.questions]
    ask_res["warm"] = cases[-args.warmup:]
    print(f"ask done ({time.perf_counter() - t0:.0f} s)", flush=True)
    email_res = email_latency(ctx, args, now, contacts)
    print(f"draft_email done ({time.perf_counter() - t0:.0f} s)", flush=True)

    profiles: dict[str, str] = {}
    from copilot.tasks.ask import AskRequest, ask
    from copilot.tasks.email import EmailRequest, draft_email

    steady_ask = merge(ask_res["series"], lambda k: k[2] == "repeat")
    steady_email = merge(email_res["series"], lambda k: k[1] == "repeat")
    first_ask = merge(ask_res["series"], lambda k: k[2] == "first")
    staff = Actor(id="bench-staff", role=Role.sales)
    visitor = Actor(id="bench-visitor", role=Role.visitor)
    qs = cases[: args.questions]
    if pcts(steady_ask.wall)["p95"] > GOAL_MS or args.profile_all:
        profiles["ask, steady state (one pass: every question as visitor and as staff)"] = profile(lambda: [
            (ask(ctx, AskRequest(question=c["query"], language=c["lang"]), actor=visitor, now=now),
             ask(ctx, AskRequest(question=c["query"], language=c["lang"], account_id=accounts[i % (len(accounts) - 1)]),
                 actor=staff, now=now)) for i, c in enumerate(qs)])
    if pcts(first_ask.wall)["p95"] > GOAL_MS or args.profile_all:
        fresh = sample_ids(ctx, "accounts", 5 if args.small else 20, seed=99)  # never asked about in this process
        profiles[f"ask, staff, first sight of an account ({len(fresh)} new accounts)"] = profile(lambda: [
            ask(ctx, AskRequest(question=c["query"], language=c["lang"], account_id=a), actor=staff, now=now)
            for c, a in zip(qs, fresh, strict=False)])
    if pcts(steady_email.wall)["p95"] > GOAL_MS or args.profile_all:
        profiles["draft_email, steady state"] = profile(lambda: [
            draft_email(ctx, EmailRequest(contact_id=c), actor=staff, now=now) for c in contacts[: args.emails]])
    print(f"profiles done ({time.perf_counter() - t0:.0f} s)", flush=True)

    # A question is answered in its own language (the caller's language is only a hint), so a labelled case
    # that asks in one language for modules of the other says nothing about the context: same-language only.
    same = [c for c in cases if c["lang"] == c["target_lang"]]
    tok = tokens_and_recall(ctx, args, now, same, accounts[: args.questions])  # accounts already warm
    print(f"tokens done ({time.perf_counter() - t0:.0f} s)", flush=True)
    ctx.db.engine.dispose()
    camp = run_campaigns(args)
    print(f"campaign done ({time.perf_counter() - t0:.0f} s)", flush=True)

    load1 = os.getloadavg()
    write_report(Path(args.report), args, m, info, load0, load1, ask_res, email_res, camp, tok, profiles,
                 started, time.perf_counter() - t0)
    print(f"wrote {args.report}", flush=True)


if __name__ == "__main__":
    main()
