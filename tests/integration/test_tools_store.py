"""The scoring tools on a generated demo store: services, CRM writes, agent tools, CLI errors."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from langchain_core.messages import AIMessage

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.settings import Settings
from copilot.core.store.db import Database, make_engine, migrate
from copilot.core.store.models import Activity, AuditLog, Lead, Opportunity
from copilot.core.store.repo import analytics
from copilot.demo.generator import generate
from tools import access, churn, nba, records, service
from tools.agent_tools import TOOLS, ToolContext

NOW = datetime(2025, 6, 2, 12, 0)
ADMIN = Actor(id="rep-anna", role=Role.sales)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> AppContext:
    path = tmp_path_factory.mktemp("tools") / "polku.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    db = Database(engine)
    generate(db, accounts=400, seed=7, now=NOW.replace(tzinfo=UTC))
    context = AppContext(settings=Settings(data_dir=path.parent, database_url=f"sqlite:///{path}"))
    context.__dict__["db"] = db
    return context


def _finite(value: object) -> None:
    if isinstance(value, float):
        assert math.isfinite(value)
    elif isinstance(value, dict):
        for v in value.values():
            _finite(v)
    elif isinstance(value, list):
        for v in value:
            _finite(v)


def test_score_all_accounts(ctx: AppContext) -> None:
    board = service.score_all(ctx, ADMIN, now=NOW, limit=None)
    assert board.accounts == 400 and len(board.rows) == 400
    assert board.tiers == {"standard": 240, "premium": 80, "vip": 40, "basic": 40}
    _finite(board.model_dump())
    assert any(r.churn_probability is not None for r in board.rows)


def test_score_one_account_has_reasons_and_drivers(ctx: AppContext) -> None:
    board = service.score_all(ctx, ADMIN, now=NOW, limit=None)
    customer = next(r for r in board.rows if r.churn_probability is not None)
    scores = service.score_account(ctx, ADMIN, customer.account_id, now=NOW)
    assert scores.churn is not None and scores.churn.drivers
    prospect = next(r for r in board.rows if r.lead_score is not None)
    lead_scores = service.score_account(ctx, ADMIN, prospect.account_id, now=NOW).leads
    assert lead_scores and all(ls.reasons for ls in lead_scores)
    with pytest.raises(PolkuError) as err:
        service.score_account(ctx, ADMIN, "acc-nope", now=NOW)
    assert err.value.code == "not_found"
    with pytest.raises(PolkuError) as err:
        service.score_all(ctx, Actor(id="c", role=Role.customer, account_id="acc-00001"), now=NOW)
    assert err.value.code == "forbidden"


def test_next_actions_funnel_health(ctx: AppContext) -> None:
    actions = service.next_actions(ctx, ADMIN, owner="rep-anna", now=NOW)
    assert actions and all(a.owner == "rep-anna" and a.owner_name == "Anna Virtanen" and a.account_name
                           for a in actions)
    assert actions == sorted(actions, key=nba.sort_key)
    report = service.funnel(ctx, ADMIN, by="channel", now=NOW)
    assert report.rows and sum(r.leads for r in report.rows) > 0
    _finite(report.model_dump())
    board = service.health_board(ctx, ADMIN, now=NOW)
    assert board.churn_risks and board.reply_compliance and board.surveys
    _finite(board.model_dump())


def test_churn_risk_shows_before_customers_leave(ctx: AppContext) -> None:
    """Point in time, judged on a later window; visible for the accounts whose logins fall; drivers differ."""
    f = access.frames(ctx)
    report = churn.validate(f, NOW)
    assert report.auc >= 0.8 and report.brier < report.base_rate * (1 - report.base_rate)
    assert sum(b.n for b in report.calibration) == report.n_valid
    board = service.score_all(ctx, ADMIN, now=NOW, limit=None)
    live = [r for r in board.rows if r.clv_kind == "contract"]
    risk = {r.account_id: r.churn_probability for r in live}
    assert sum(p >= 0.2 for p in risk.values()) >= 0.1 * len(live)
    u = f.usage[f.usage["account_id"].isin(risk)]
    last = u["week_start"].max()
    logins = u.pivot_table(index="account_id", columns="week_start", values="logins")
    drop = (logins[last] / logins[last - timedelta(weeks=8)] - 1).dropna()
    fell = drop[drop <= -0.4].index
    assert len(fell) >= 3 and all(risk[a] >= 0.2 for a in fell)
    top = sorted(risk, key=risk.__getitem__, reverse=True)[:10]
    drivers = [service.score_account(ctx, ADMIN, a, now=NOW).churn.drivers for a in top]  # type: ignore[union-attr]
    assert len({"; ".join(d.text for d in ds[:2]) for ds in drivers}) >= 8  # each in its own figures
    assert len({ds[0].feature for ds in drivers} | {ds[1].feature for ds in drivers if len(ds) > 1}) >= 3


def test_clv_follows_the_contract_and_prospects_get_an_expected_value(ctx: AppContext) -> None:
    board = service.score_all(ctx, ADMIN, now=NOW, limit=None)
    customer = max((r for r in board.rows if r.clv_kind == "contract" and (r.churn_probability or 1) < 0.1),
                   key=lambda r: r.annual_value)
    assert customer.clv > 2 * customer.annual_value
    scores = service.score_account(ctx, ADMIN, customer.account_id, now=NOW)
    assert scores.value.kind == "contract" and "renewals" in scores.value.explanation
    prospect = next(r for r in board.rows if r.clv_kind == "prospect")
    value = service.score_account(ctx, ADMIN, prospect.account_id, now=NOW).value
    assert value.clv == pytest.approx(value.p_win * value.typical_deal * value.lifetime_factor, rel=1e-3)
    assert value.explanation.startswith("Expected value, not yet a customer")


def test_funnel_attributes_customers_and_revenue_once(ctx: AppContext) -> None:
    report = service.funnel(ctx, ADMIN, by="channel", now=NOW)
    romi = [r.romi for r in report.rows if r.romi is not None]
    assert max(romi) > 0 > min(romi)
    with ctx.db.session() as s:
        opps = analytics.opportunities(s)
    won = opps.loc[opps["stage"] == "won", "amount"].sum()
    assert sum(r.revenue for r in report.rows) == pytest.approx(won)
    assert sum(c.revenue for c in report.credits) == pytest.approx(won, rel=1e-6)
    by_campaign = service.funnel(ctx, ADMIN, by="campaign", period="2024", now=NOW)
    assert by_campaign.rows and all(not r.label.startswith("cmp-") for r in by_campaign.rows)
    with pytest.raises(PolkuError, match="period"):
        service.funnel(ctx, ADMIN, period="2024-Q5", now=NOW)


def test_plan_reads_the_store(ctx: AppContext) -> None:
    from tools import planner

    inp = service.plan_from_store(ctx, ADMIN, now=NOW)
    channels = {c.name for c in inp.channels}
    assert channels and channels <= {"email", "linkedin", "google_ads", "events", "webinar", "content"}
    assert inp.licence_price != planner.book_example().licence_price
    assert not any("book" in v for v in inp.sources.values())
    assert planner.plan(inp).leads > 0


def test_writes_preview_confirm_idempotent(ctx: AppContext) -> None:
    data = {"account_id": "acc-00001", "kind": "call", "subject": "Renewal call"}
    preview = records.write(ctx, ADMIN, "log_activity", data, idempotency_key="k1")
    assert not preview.applied and preview.requires_confirmation
    with ctx.db.session() as s:
        assert s.get(Activity, preview.record_id) is None
    first = records.write(ctx, ADMIN, "log_activity", data, idempotency_key="k1", confirm=True)
    again = records.write(ctx, ADMIN, "log_activity", data, idempotency_key="k1", confirm=True)
    assert first.applied and again.replayed and again.record_id == first.record_id
    with ctx.db.session() as s:
        assert s.query(Activity).filter(Activity.subject == "Renewal call").count() == 1
    with pytest.raises(PolkuError) as err:
        records.write(ctx, ADMIN, "log_activity", {**data, "subject": "Other"}, idempotency_key="k1", confirm=True)
    assert err.value.code == "conflict"


def test_lead_status_convert_and_feedback(ctx: AppContext) -> None:
    with ctx.db.session() as s:
        lead_id = s.query(Lead.id).filter(Lead.status == "contacted").order_by(Lead.id).first()[0]
        other_id = s.query(Lead.id).filter(Lead.status == "contacted").order_by(Lead.id.desc()).first()[0]
    with pytest.raises(PolkuError, match="reason"):
        records.write(ctx, ADMIN, "set_lead_status", {"lead_id": lead_id, "status": "dead"}, idempotency_key="d1",
                      confirm=True)
    dead = records.write(ctx, ADMIN, "set_lead_status", {"lead_id": other_id, "status": "dead",
                                                        "dead_reason": "no_budget"}, idempotency_key="d2", confirm=True)
    assert {c.field for c in dead.changes} >= {"status", "dead_reason"}
    conv = records.write(ctx, ADMIN, "convert_lead", {"lead_id": lead_id, "name": "HR Core", "amount": 12000,
                                                     "close_date": "2025-09-30"}, idempotency_key="c1", confirm=True)
    with ctx.db.session() as s:
        lead = s.get(Lead, lead_id)
        assert lead.status == "converted" and lead.opportunity_id == conv.record_id
        assert s.get(Opportunity, conv.record_id).account_id == lead.account_id
    with pytest.raises(PolkuError) as err:
        records.write(ctx, ADMIN, "convert_lead", {"lead_id": lead_id, "name": "x", "amount": 1,
                                                   "close_date": "2025-09-30"}, idempotency_key="c2", confirm=True)
    assert err.value.code == "conflict"
    before = {r.band: r.bad_fit for r in service.leadscore_report(ctx, ADMIN, now=NOW)}
    records.write(ctx, ADMIN, "lead_feedback", {"lead_id": other_id, "quality": "bad_fit", "note": "too small"},
                  idempotency_key="f1", confirm=True)
    after = {r.band: r.bad_fit for r in service.leadscore_report(ctx, ADMIN, now=NOW)}
    assert sum(after.values()) == sum(before.values()) + 1
    support = Actor(id="agent-1", role=Role.support)
    with pytest.raises(PolkuError) as err:
        records.write(ctx, support, "set_lead_status", {"lead_id": lead_id, "status": "contacted"},
                      idempotency_key="s1", confirm=True)
    assert err.value.code == "forbidden"


def test_account_card_hides_tier_from_customers(ctx: AppContext) -> None:
    card = records.account_card(ctx, ADMIN, "acc-00001")
    assert "tier" in card.account and card.timeline
    me = Actor(id="cust", role=Role.customer, account_id="acc-00001", contact_id=None)
    mine = records.account_card(ctx, me, "acc-00001")
    assert "tier" not in mine.account and "notes" not in mine.account
    with pytest.raises(PolkuError):
        records.account_card(ctx, me, "acc-00002")


def test_agent_tools_through_a_scripted_agent(ctx: AppContext) -> None:
    from langchain.agents import create_agent
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    class Scripted(GenericFakeChatModel):
        def bind_tools(self, tools, **kwargs):  # type: ignore[no-untyped-def]
            return self

    turns = iter([
        AIMessage(content="", tool_calls=[{"name": "account_card", "args": {"account_id": "acc-00002"}, "id": "1"}]),
        AIMessage(content="", tool_calls=[{"name": "log_activity", "id": "2", "args": {
            "account_id": "acc-00002", "kind": "note", "subject": "Agent note", "idempotency_key": "agent-1"}}]),
        AIMessage(content="done"),
    ])
    agent = create_agent(Scripted(messages=turns), tools=TOOLS, context_schema=ToolContext)
    out = agent.invoke({"messages": [("user", "brief me")]}, context=ToolContext(app=ctx, actor=ADMIN, now=NOW))
    tool_msgs = [m for m in out["messages"] if m.type == "tool"]
    assert json.loads(tool_msgs[0].content)["account"]["id"] == "acc-00002"
    preview = json.loads(tool_msgs[1].content)
    assert preview["applied"] is False and preview["requires_confirmation"] is True


def test_cli_bad_input_is_one_line(ctx: AppContext, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import sys

    import copilot.cli  # noqa: F401  (registers the commands)
    from copilot.cli.app import run

    bad = tmp_path / "tx.csv"
    bad.write_text("customer_id,date,amount\n")
    argv = sys.argv
    sys.argv = ["polku", "clv", "fit", "--transactions", str(bad), "--json"]
    try:
        with pytest.raises(SystemExit) as exit_:
            run()
    finally:
        sys.argv = argv
    assert exit_.value.code == 1
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "invalid"


def test_now_in_future_still_finite(ctx: AppContext) -> None:
    board = service.score_all(ctx, ADMIN, now=NOW + timedelta(days=30), limit=5)
    _finite(board.model_dump())


def test_scores_stay_cached_across_answers_and_are_renewed_by_crm_writes(ctx: AppContext) -> None:
    def version() -> tuple[str, ...]:
        with ctx.db.session() as s:
            return analytics.store_version(s)

    before = version()
    with ctx.db.session() as s:  # what every chat answer and brief leaves behind
        s.add(AuditLog(id="aud-answer-1", at=datetime.now(UTC), task="customer_chat", actor="visitor:x",
                       surface="widget", outcome="ok", engine="composer"))
    assert version() == before
    data = {"account_id": "acc-00002", "kind": "call", "subject": "Cache check"}
    assert records.write(ctx, ADMIN, "log_activity", data, idempotency_key="k-cache", confirm=True).applied
    assert version() != before


def test_the_llm_engine_binds_the_registry_tools_as_the_asker_scoped_to_the_account(ctx: AppContext) -> None:
    from copilot.assembly import prepare
    from copilot.engines.llm.engine import LlmEngine
    from tests.support.fake_llm import final, scripted, tool_call

    tc = prepare(ctx, "staff_chat", account_id="acc-00002", now=NOW.replace(tzinfo=UTC), actor=ADMIN)
    model = scripted(
        tool_call("account_scores", {"account_id": "acc-00002"}, "t1"),
        tool_call("account_card", {"account_id": "acc-00003"}, "t2"),
        tool_call("log_activity", {"account_id": "acc-00002", "kind": "note", "subject": "Agent wrote this",
                                   "idempotency_key": "agent-scope-1", "confirm": True}, "t3"),
        final({"text": "Done.", "known": True, "citations": []}),
    )
    engine = LlmEngine(model, search=lambda q, k, f: [], timeout_s=30, model_name="scripted", app=ctx)
    _, run = engine.answer(tc, question="How is this account doing?")
    assert run.engine == "llm", run.fallback
    results = {m.tool_call_id: str(m.content) for m in model.seen[-1] if m.type == "tool"}
    assert '"tier"' in results["t1"] and tc.subject.account_name not in results["t1"]  # read as the rep, masked
    assert "this conversation is about account acc-00002 only" in results["t2"]
    assert '"applied": false' in results["t3"].replace('":false', '": false')  # the person confirms, never the model
    with ctx.db.session() as s:
        assert s.query(Activity).filter(Activity.subject == "Agent wrote this").count() == 0


def test_customer_facing_tasks_get_no_registry_tools(ctx: AppContext) -> None:
    from copilot.assembly import prepare
    from copilot.engines.llm.engine import LlmEngine
    from tests.support.fake_llm import final, scripted, tool_call

    tc = prepare(ctx, "visitor_chat", now=NOW.replace(tzinfo=UTC), actor=Actor(id="v", role=Role.visitor))
    model = scripted(tool_call("account_scores", {"account_id": "acc-00002"}, "t1"),
                     final({"text": "Hello.", "known": True, "citations": []}))
    engine = LlmEngine(model, search=lambda q, k, f: [], timeout_s=30, model_name="scripted", app=ctx)
    engine.answer(tc, question="What does HR Core cost?")
    results = [str(m.content) for m in model.seen[-1] if m.type == "tool"]
    assert results and "account_scores is not a valid tool" in results[0]
