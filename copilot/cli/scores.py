"""`polku score | clv | tiers | next-actions | funnel | plan | ab`: the scoring and analytics tools."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from copilot.cli.app import JsonOpt, app, console, context, emit
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role

NowOpt = Annotated[datetime | None, typer.Option("--now", help="Reference time (default: now, UTC).")]
ActorOpt = Annotated[str, typer.Option("--as", help="Who is asking (a staff id).")]


def _actor(ident: str) -> Actor:
    return Actor(id=ident, role=Role.admin if ident == "admin" else Role.sales)


def _fmt(value: Any, spec: str = ",.2f") -> str:
    return "–" if value is None else format(value, spec) if isinstance(value, (int, float)) else str(value)


@app.command("score")
def score(account: Annotated[str | None, typer.Option("--account", help="Account id")] = None,
          all_: Annotated[bool, typer.Option("--all", help="Score every account")] = False,
          limit: Annotated[int, typer.Option(help="Rows to show with --all")] = 20,
          now: NowOpt = None, who: ActorOpt = "admin", as_json: JsonOpt = False) -> None:
    """Lead score, churn risk, CLV and value tier (staff only) for one account or all of them."""
    from tools import service

    if bool(account) == all_:
        raise PolkuError("invalid", "give --account ID or --all")
    ctx = context()
    if account:
        result = service.score_account(ctx, _actor(who), account, now=now)

        def render(r: service.AccountScores) -> None:
            console.print(f"[bold]{r.name}[/bold] ({r.account_id}, owner {r.owner}) — CLV {r.clv:,.0f} €, "
                          f"tier {r.tier}, view {r.view}")
            if r.churn:
                drivers = "; ".join(f"{d.label} {d.value} ({d.direction})" for d in r.churn.drivers)
                console.print(f"churn risk {r.churn.probability:.0%} ({r.churn.band}): {drivers}")
            for lead in r.leads:
                console.print(f"lead {lead.lead_id}: {lead.score:.0f} (fit {lead.fit:.0f} + behaviour "
                              f"{lead.behaviour:.0f}) → {lead.route}{' MQL' if lead.mql else ''}")
                for reason in lead.reasons:
                    console.print(f"   {reason.text}")
            for c in r.conversion:
                console.print(f"lead {c.lead_id}: predicted conversion {c.score}/100")

        emit(result, as_json, render)
        return
    board = service.score_all(ctx, _actor(who), now=now, limit=limit)

    def render_all(b: service.ScoreBoard) -> None:
        table = Table("account", "name", "lead", "route", "churn", "CLV €", "tier", "view")
        for r in b.rows:
            table.add_row(r.account_id, r.name, _fmt(r.lead_score, ".0f"), r.route or "–",
                          _fmt(r.churn_probability, ".0%"), _fmt(r.clv, ",.0f"), r.tier, r.view)
        console.print(table)
        console.print(f"{b.accounts} accounts; tiers {b.tiers}; views {b.views}")

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
              now: NowOpt = None, who: ActorOpt = "admin", as_json: JsonOpt = False) -> None:
    """Value tiers by CLV percentile and their service levels (staff only; never shown to customers)."""
    from tools import service

    report = service.refresh_tiers(context(), _actor(who), now=now, apply=apply)

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
                 limit: int = 20, now: NowOpt = None, who: ActorOpt = "admin", as_json: JsonOpt = False) -> None:
    """Ranked next best actions for an account or a rep."""
    from tools import service

    actions = service.next_actions(context(), _actor(who), account_id=account, owner=owner, now=now, limit=limit)

    def render(items: list[Any]) -> None:
        table = Table("", "due", "action", "why", "EV €", "owner")
        for a in items:
            mark = {"red": "[red]●[/red]", "amber": "[yellow]●[/yellow]"}.get(a.flag, "")
            table.add_row(mark, f"{a.due:%Y-%m-%d %H:%M}", a.title, a.reason, _fmt(a.expected_value, ",.0f"), a.owner)
        console.print(table if items else "nothing to do")

    emit(actions, as_json, render)


@app.command("funnel")
def funnel(by: Annotated[str, typer.Option(help="channel or campaign")] = "channel",
           period: Annotated[str | None, typer.Option(help="M, Q or Y")] = None, now: NowOpt = None,
           who: ActorOpt = "admin", as_json: JsonOpt = False) -> None:
    """CTR, CPC, CPL, CPA, CAC, LTV, LTV:CAC, ROMI, win rate, average deal and cycle per channel or campaign."""
    from tools import service

    report = service.funnel(context(), _actor(who), by=by, period=period, now=now)

    def render(r: service.FunnelReport) -> None:
        table = Table(r.by, "cost €", "CTR", "CPC", "leads", "CPL", "cust.", "CAC", "LTV", "LTV:CAC", "ROMI", "win",
                      "avg deal", "cycle d")
        for m in r.rows:
            table.add_row(m.key, _fmt(m.cost, ",.0f"), _fmt(m.ctr, ".1%"), _fmt(m.cpc), str(m.leads),
                          _fmt(m.cpl, ",.0f"),
                          str(m.customers), _fmt(m.cac, ",.0f"), _fmt(m.ltv, ",.0f"),
                          _fmt(m.ltv_to_cac, ".1f") + f" {m.ltv_to_cac_health}", _fmt(m.romi, ".0%"),
                          _fmt(m.win_rate, ".0%"), _fmt(m.avg_deal, ",.0f"), _fmt(m.sales_cycle_days, ".0f"))
        console.print(table)
        console.print(f"ROMI on margin at the store's margin rate {r.margin_rate:.1%}")

    emit(report, as_json, render)


@app.command("plan")
def plan(file: Annotated[Path | None, typer.Option("--file", help="YAML/JSON plan input; default: the book's example")]
         = None, as_json: JsonOpt = False) -> None:
    """Reverse planning: revenue target → licences → customers → opportunities → leads → budget by channel."""
    import yaml

    from tools import planner

    if file is None:
        inp = planner.book_example()
    else:
        try:
            inp = planner.PlanInput.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
        except OSError as exc:
            raise PolkuError("invalid", f"cannot read {file}: {exc.strerror}") from exc
    result = planner.plan(inp)

    def render(p: planner.Plan) -> None:
        for step in p.steps:
            console.print(step)
        table = Table("channel", "leads", "CPL €", "budget €")
        for a in p.allocation:
            table.add_row(a.name, str(a.leads), f"{a.cpl:,.0f}", f"{a.budget:,.0f}")
        console.print(table)

    emit(result, as_json, render)


ab_app = typer.Typer(help="A/B test planning and analysis.", no_args_is_help=True)
app.add_typer(ab_app, name="ab")


@ab_app.command("size")
def ab_size(baseline: Annotated[float, typer.Option(help="Current conversion rate, e.g. 0.05")],
            mde: Annotated[float, typer.Option(help="Minimum detectable effect")],
            relative: Annotated[bool, typer.Option(help="mde is relative to the baseline")] = False,
            alpha: float = 0.05, power: float = 0.8,
            daily: Annotated[float | None, typer.Option(help="Contacts per day, for the duration")] = None,
            as_json: JsonOpt = False) -> None:
    """Sample size per group (and minimum duration with --daily)."""
    from tools import abtest

    size = abtest.sample_size(baseline=baseline, mde=mde, relative=relative, alpha=alpha, power=power)
    result: dict[str, Any] = {"sample_size": size}
    if daily is not None:
        result["duration"] = abtest.minimum_duration(per_group=size.per_group, daily_traffic=daily)

    def render(r: dict[str, Any]) -> None:
        s = r["sample_size"]
        console.print(f"{s.per_group} per group ({s.total} in all) to detect {s.baseline:.2%} → {s.target:.2%} "
                      f"at α={s.alpha}, power {s.power:.0%}" + (f"; {'; '.join(s.notes)}" if s.notes else ""))
        if "duration" in r:
            console.print(f"run at least {r['duration'].days} days: {r['duration'].reason}")

    emit(result, as_json, render)


@ab_app.command("analyze")
def ab_analyze(control: Annotated[str, typer.Option(help="visitors/conversions, e.g. 1000/50")],
               variant: Annotated[str, typer.Option(help="visitors/conversions, e.g. 1000/65")],
               alpha: float = 0.05, as_json: JsonOpt = False) -> None:
    """Two-proportion z-test and the Bayesian probability that the variant beats control."""
    from tools import abtest

    def parse(text: str, name: str) -> tuple[int, int]:
        try:
            n, c = (int(v) for v in text.split("/"))
        except ValueError as exc:
            raise PolkuError("invalid", f"--{name} must be visitors/conversions, e.g. 1000/50") from exc
        return n, c

    (n1, c1), (n2, c2) = parse(control, "control"), parse(variant, "variant")
    result = abtest.analyze(control_n=n1, control_conversions=c1, variant_n=n2, variant_conversions=c2, alpha=alpha)

    def render(r: abtest.AbAnalysis) -> None:
        console.print(f"control {r.control.rate:.2%} vs variant {r.variant.rate:.2%}: lift {r.absolute_lift:+.2%} "
                      f"(95 % {r.lift_interval[0]:+.2%} … {r.lift_interval[1]:+.2%}), z={r.z:.2f}, p={r.p_value:.4f}"
                      f"{' significant' if r.significant else ''}; "
                      f"P(variant better)={r.prob_variant_beats_control:.1%}")
        for note in r.notes:
            console.print(f"note: {note}")

    emit(result, as_json, render)
