"""`polku score | clv | tiers | next-actions | funnel | plan | ab`: the scoring and analytics tools."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from copilot.cli.app import AsOpt, JsonOpt, acting_as, app, console, context, emit
from copilot.core.errors import PolkuError
from copilot.core.locale import money, number, percent

NowOpt = Annotated[datetime | None, typer.Option("--now", help="Reference time (default: now, UTC).")]


def _fmt(value: Any, spec: str = ",.2f") -> str:
    return "–" if value is None else format(value, spec) if isinstance(value, (int, float)) else str(value)


def _money(value: float | None, lang: str) -> str:
    return "–" if value is None else money(value, lang)


LangOpt = Annotated[str, typer.Option("--lang", help="fi or en")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Say in one line how each figure was computed.")]
KIND = {"contract": "contract", "prospect": "expected", "former": "former", "none": "–"}


def _render_account(r: Any, lang: str, explain: bool) -> None:
    from copilot.tasks import score_words

    def dim(text: str) -> None:
        if explain:
            console.print(f"  ↳ {text}", style="dim", highlight=False)

    console.print(f"[bold]{escape(r.name)}[/bold] — owner {r.owner_name}; CLV {money(r.clv, lang)}, tier {r.tier}, "
                  f"view {r.view}", highlight=False)
    dim(score_words.value_explain(r.value, r.churn.probability if r.churn else None, lang))
    if r.churn:
        console.print(f"churn risk {score_words.reasons(r.churn, lang)}", highlight=False)
        dim(score_words.risk_explain(r.churn, lang, r.churn.trained_on))
    for lead in r.leads:
        console.print(f"lead {lead.contact or lead.lead_id}: {number(lead.score, lang)} "
                      f"(fit {number(lead.fit, lang)} + behaviour {number(lead.behaviour, lang)}) → "
                      f"{lead.route.replace('_', ' ')}{' MQL' if lead.mql else ''}", highlight=False)
        for reason in lead.reasons:
            console.print(f"   {reason.text}", highlight=False)
    names = {lead.lead_id: lead.contact for lead in r.leads}
    for c in r.conversion:
        console.print(f"lead {names.get(c.lead_id) or c.lead_id}: predicted conversion "
                      f"{percent(c.probability, lang)} (model on the store's closed leads)", highlight=False)


@app.command("score")
def score(account: Annotated[str | None, typer.Option("--account", help="Account id")] = None,
          all_: Annotated[bool, typer.Option("--all", help="Score every account")] = False,
          limit: Annotated[int, typer.Option(help="Rows to show with --all")] = 20,
          explain: ExplainOpt = False, now: NowOpt = None, who: AsOpt = None, as_json: JsonOpt = False) -> None:
    """Lead score, churn risk, CLV and value tier (staff only) for one account or all of them (English;
    the brief says the same in Finnish)."""
    from tools import service

    if bool(account) == all_:
        raise PolkuError("invalid", "give --account ID or --all")
    ctx = context()
    if account:
        result = service.score_account(ctx, acting_as(ctx, who), account, now=now)

        emit(result, as_json, lambda r: _render_account(r, "en", explain))
        return
    board = service.score_all(ctx, acting_as(ctx, who), now=now, limit=limit)

    lang = "en"

    def render_all(b: service.ScoreBoard) -> None:
        table = Table("account", "lead", "route", "churn", "CLV", "CLV is", "tier", "view", box=box.SIMPLE_HEAD,
                      pad_edge=False, collapse_padding=True)
        for r in b.rows:
            table.add_row(r.name, _fmt(r.lead_score, ".0f"), (r.route or "–").replace("_", " "),
                          "–" if r.churn_probability is None else percent(r.churn_probability, lang),
                          money(r.clv, lang), KIND[r.clv_kind], r.tier, r.view)
        console.print(table)
        console.print(f"{number(b.accounts, lang)} accounts; tiers {b.tiers}; views {b.views}", highlight=False)
        if explain:
            console.print("CLV: contract customers: the contract's coming renewals kept with P(renews) from the churn "
                          "model, discounted at 15 %, plus repeat orders (BG/NBD + Gamma-Gamma); prospects: P(win) × "
                          "typical first-year deal × lifetime factor (an expected value).", style="dim")

    emit(board, as_json, render_all)


clv_app = typer.Typer(help="Customer lifetime value.", no_args_is_help=True)
app.add_typer(clv_app, name="clv")


@clv_app.command("fit")
def clv_fit(transactions: Annotated[Path, typer.Option("--transactions", help="CSV: customer_id,date,amount")],
            calibration_end: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default: last date")] = None,
            years: Annotated[int, typer.Option(help="CLV horizon in years")] = 3,
            rate: Annotated[float, typer.Option(help="Yearly discount rate")] = 0.15,
            top: Annotated[int, typer.Option(help="Customers to list")] = 10, as_json: JsonOpt = False) -> None:
    """Fit BG/NBD + Gamma-Gamma to a transaction file and list the most valuable customers."""
    from tools.clv_fit import fit_file

    result = fit_file(transactions, calibration_end=calibration_end, years=years, rate=rate, top=top)

    def render(r: Any) -> None:
        console.print(f"BG/NBD r={r.bgnbd['r']:.3f} α={r.bgnbd['alpha']:.3f} a={r.bgnbd['a']:.3f} "
                      f"b={r.bgnbd['b']:.3f} LL={r.bgnbd['log_likelihood']:.1f} ({r.customers} customers)")
        if r.gamma_gamma:
            console.print(f"Gamma-Gamma p={r.gamma_gamma['p']:.2f} q={r.gamma_gamma['q']:.2f} "
                          f"γ={r.gamma_gamma['gamma']:.2f}")
        table = Table("customer", "purchases", "P(alive)", "next year", f"CLV {r.years} y")
        for c in r.top:
            table.add_row(str(c.customer_id), _fmt(c.x, ".0f"), _fmt(c.p_alive, ".2f"),
                          _fmt(c.expected_purchases_1y, ".2f"), _fmt(c.clv, ",.2f"))
        console.print(table)

    emit(result, as_json, render)


@app.command("tiers")
def tiers_cmd(apply: Annotated[bool, typer.Option("--apply", help="Write the tiers to the accounts")] = False,
              now: NowOpt = None, who: AsOpt = None, as_json: JsonOpt = False) -> None:
    """Value tiers by CLV percentile and their service levels (staff only; never shown to customers)."""
    from tools import service

    ctx = context()
    report = service.refresh_tiers(ctx, acting_as(ctx, who), now=now, apply=apply)

    def render(r: service.TierReport) -> None:
        table = Table("tier", "accounts", "reply within", "handled by", "extras")
        for lvl in r.service_levels:
            table.add_row(lvl.tier.value, str(r.counts.get(lvl.tier.value, 0)), f"{lvl.reply_within_hours} h",
                          lvl.handled_by, ", ".join(lvl.extras) or "–")
        console.print(table)
        if r.applied:
            console.print(f"{r.changed} accounts changed tier")

    emit(report, as_json, render)


@app.command("next-actions")
def next_actions(account: Annotated[str | None, typer.Option("--account")] = None,
                 owner: Annotated[str | None, typer.Option("--owner", help="Rep id, e.g. rep-anna")] = None,
                 lang: LangOpt = "fi", now: NowOpt = None, who: AsOpt = None, as_json: JsonOpt = False) -> None:
    """Next best actions for an account or a rep, most urgent and valuable first (the list every surface shows)."""
    from copilot.tasks.next_actions import next_actions as explained

    ctx = context()
    result = explained(ctx, acting_as(ctx, who), account_id=account, owner=owner, language=lang, now=now)

    def render(x: Any) -> None:
        console.print(x.summary, highlight=False)
        for line, a in zip(x.lines, x.actions, strict=True):
            mark = {"red": "[red]●[/red] ", "amber": "[yellow]●[/yellow] "}.get(a.flag, "  ")
            console.print(mark + escape(line), highlight=False)

    emit(result, as_json, render)


@app.command("funnel")
def funnel(by: Annotated[str, typer.Option(help="channel or campaign")] = "channel",
           period: Annotated[str | None, typer.Option(
               help="campaigns that started in 2026, 2026-Q3 or 2026-11; or M, Q or Y to split by period")] = None,
           explain: ExplainOpt = False, now: NowOpt = None, who: AsOpt = None, as_json: JsonOpt = False) -> None:
    """Leads, customers, revenue, CPL, CAC, LTV, CAC:LTV and ROMI per channel or campaign, from the CRM's touches.

    --json lists every credited deal behind the figures."""
    from tools import service

    ctx = context()
    report = service.funnel(ctx, acting_as(ctx, who), by=by, period=period, now=now)
    lang = "en"

    def render(r: service.FunnelReport) -> None:
        table = Table(r.by + (f" {r.period}" if r.period else ""), "cost", "leads", "CPL", "new", "revenue", "CAC",
                      "CAC:LTV", "ROMI", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        for column in table.columns[1:]:  # figures are never cut; a long name wraps instead
            column.no_wrap = True
        table.columns[0].overflow = "fold"
        for m in r.rows:
            table.add_row(m.label.replace("_", " "), money(m.cost, lang), number(m.leads, lang), _money(m.cpl, lang),
                          number(m.customers, lang), money(m.revenue, lang), _money(m.cac, lang),
                          "–" if m.ltv_to_cac is None else f"1:{number(m.ltv_to_cac, lang, 1)}",
                          "–" if m.romi is None else percent(m.romi, lang, signed=True))
        console.print(table)
        console.print(f"ROMI on margin at the store's margin rate {percent(r.margin_rate, lang, 1)}; LTV with a "
                      f"lifetime factor of {number(r.lifetime_factor, lang, 1)}; "
                      f"{number(len(r.credits), lang)} credited deals behind the figures (--json).", highlight=False)
        healthy = [m.label for m in r.rows if m.ltv_to_cac_health == "healthy"]
        console.print(f"CAC:LTV healthy (1:5-1:10): {', '.join(healthy) or 'none'}; \"new\" = new customers.",
                      highlight=False)
        if explain:
            for name, text in r.formulas.items():
                console.print(f"  {name}: {text}", style="dim", highlight=False)

    emit(report, as_json, render)


@app.command("plan")
def plan(file: Annotated[Path | None, typer.Option("--file", help="YAML/JSON plan input")] = None,
         book: Annotated[bool, typer.Option("--book", help="The book's Smart Rekry example instead of the store")]
         = False,
         growth: Annotated[float, typer.Option(help="Revenue growth to plan for, e.g. 0.1")] = 0.10,
         target: Annotated[float | None, typer.Option(help="Revenue target in euros (default: growth)")] = None,
         now: NowOpt = None, who: AsOpt = None, as_json: JsonOpt = False) -> None:
    """Reverse planning from the store's own history: revenue target → licences → customers → opportunities →
    leads → budget by channel (the book's example only for what the store lacks, and said so)."""
    import yaml

    from tools import planner, service

    if file is not None:
        try:
            inp = planner.PlanInput.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
        except OSError as exc:
            raise PolkuError("invalid", f"cannot read {file}: {exc.strerror}") from exc
    elif book:
        inp = planner.book_example()
    else:
        if not 0 <= growth <= 5:
            raise PolkuError("invalid", "growth is a fraction such as 0.1 (10 %)")
        ctx = context()
        inp = service.plan_from_store(ctx, acting_as(ctx, who), growth=growth, target=target, now=now)
    result = planner.plan(inp)

    def render(p: planner.Plan) -> None:
        for step in p.steps:
            console.print(step, highlight=False)
        table = Table("channel", "leads", "CPL", "budget")
        for a in p.allocation:
            table.add_row(a.name.replace("_", " "), number(a.leads, "en"), money(a.cpl, "en"), money(a.budget, "en"))
        console.print(table)
        if p.sources:
            console.print("Where the inputs come from:", highlight=False)
            for k, v in p.sources.items():
                console.print(f"  {k}: {v}", style="dim", highlight=False)

    emit(result, as_json, render)


ab_app = typer.Typer(help="A/B test planning and analysis.", no_args_is_help=True)
app.add_typer(ab_app, name="ab")


@ab_app.command("size")
def ab_size(mde: Annotated[float, typer.Option(help="Smallest lift worth finding, e.g. 0.2 with --relative")],
            baseline: Annotated[float | None, typer.Option(
                help="Current conversion rate, e.g. 0.05 (default: the store's campaign click-through rate)")] = None,
            relative: Annotated[bool, typer.Option(help="mde is relative to the baseline")] = False,
            alpha: float = 0.05, power: float = 0.8,
            daily: Annotated[float | None, typer.Option(help="Contacts per day in the segment, for the duration")]
            = None, who: AsOpt = None, as_json: JsonOpt = False) -> None:
    """Sample size per group (and the duration at --daily contacts a day, flagged when over eight weeks)."""
    from tools import abtest, service

    source = "given"
    if baseline is None:
        ctx = context()
        baseline, source = service.store_click_rate(ctx, acting_as(ctx, who))
    size = abtest.sample_size(baseline=baseline, mde=mde, relative=relative, alpha=alpha, power=power)
    size = size.model_copy(update={"baseline_source": source})
    result: dict[str, Any] = {"sample_size": size}
    if daily is not None:
        result["duration"] = abtest.minimum_duration(per_group=size.per_group, daily_traffic=daily)

    def render(r: dict[str, Any]) -> None:
        s = r["sample_size"]
        console.print(f"{number(s.per_group, 'en')} per group ({number(s.total, 'en')} in all) to tell "
                      f"{percent(s.baseline, 'en', 2)} from {percent(s.target, 'en', 2)} at "
                      f"{percent(1 - s.alpha, 'en')} confidence and {percent(s.power, 'en')} power"
                      + (f"; {'; '.join(s.notes)}" if s.notes else ""), highlight=False)
        console.print(f"baseline: {s.baseline_source}", style="dim", highlight=False)
        if "duration" in r:
            d = r["duration"]
            console.print(f"run at least {d.days} days: {d.reason}", highlight=False)
            if d.warning:
                console.print(f"[yellow]warning:[/yellow] {d.warning}", highlight=False)

    emit(result, as_json, render)


@ab_app.command("analyze")
def ab_analyze(control: Annotated[str, typer.Option(help="visitors/conversions, e.g. 1000/50")],
               variant: Annotated[str, typer.Option(help="visitors/conversions, e.g. 1000/65")],
               daily: Annotated[float | None, typer.Option(help="Contacts per day in both groups together")] = None,
               alpha: float = 0.05, as_json: JsonOpt = False) -> None:
    """Absolute and relative lift, a verdict and, when not yet decided, how much longer to run."""
    from tools import abtest

    def parse(text: str, name: str) -> tuple[int, int]:
        try:
            n, c = (int(v) for v in text.split("/"))
        except ValueError as exc:
            raise PolkuError("invalid", f"--{name} must be visitors/conversions, e.g. 1000/50") from exc
        return n, c

    if daily is not None and daily <= 0:
        raise PolkuError("invalid", "--daily must be a positive number of contacts a day")
    (n1, c1), (n2, c2) = parse(control, "control"), parse(variant, "variant")
    result = abtest.analyze(control_n=n1, control_conversions=c1, variant_n=n2, variant_conversions=c2, alpha=alpha,
                            daily_traffic=daily)

    def render(r: abtest.AbAnalysis) -> None:
        console.print(r.summary, highlight=False)
        lo, hi = r.lift_interval
        console.print(f"95 % interval of the lift: {number(lo * 100, 'en', 1).replace('-', '−')} … "
                      f"{number(hi * 100, 'en', 1).replace('-', '−')} "
                      "percentage points", style="dim", highlight=False)
        for note in r.notes:
            console.print(f"note: {note}", highlight=False)

    emit(result, as_json, render)
