"""Next best actions as a service: the account's (or a rep's accounts') signals from the store, ranked by ``nba``."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from copilot.core.context import AppContext
from copilot.core.domain import Tier
from copilot.core.errors import PolkuError, not_found
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.core.store.repo import analytics
from tools import churn, features, leadscore, nba, scorecache, tiers
from tools.access import naive, rep_names
from tools.churn_features import customers_at

OPEN_TICKET = ("open", "pending")


def _churn(bundle: scorecache.Bundle, f: features.Frames, now: datetime, ids: list[str]) -> dict[str, churn.ChurnRisk]:
    """Today's churn risk of the accounts that are customers now, with the cached model."""
    live = [a for a in ids if a in set(customers_at(f.contracts, now))]
    if bundle.churn_model is None or not live:
        return {}
    return {r.account_id: r for r in churn.explain(bundle.churn_model, f, now, live, top=1)}


def _by_account(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {str(k): g for k, g in df.groupby("account_id")} if not df.empty else {}


def signals(f: features.Frames, contacts: pd.DataFrame, board: pd.DataFrame, risks: dict[str, churn.ChurnRisk],
            now: datetime, *, names: dict[str, str], win_rate: float) -> list[nba.AccountSignals]:
    """What the rules read of each account in ``board`` (indexed by account id)."""
    open_ = f.leads[f.leads["status"].isin(["no_action", "contacted"])]
    ls = leadscore.score_frame(open_, f.events, now=now).set_index("lead_id") if len(open_) else pd.DataFrame()
    person = dict(zip(contacts["contact_id"], contacts["first_name"] + " " + contacts["last_name"], strict=True))
    leads, visits = _by_account(open_), _by_account(f.events[f.events["page_type"].isin(nba.INTENT_PAGES)])
    people = _by_account(contacts)
    c = f.contracts
    running = _by_account(c[(c["end_date"] >= pd.Timestamp(now) - pd.Timedelta(days=30)) & (c["status"] == "active")]
                          if not c.empty else c)
    tk = f.tickets
    tickets = _by_account(tk[tk["status"].isin(OPEN_TICKET)] if not tk.empty else tk)
    empty = pd.DataFrame()
    out = []
    for acc_id, row in board.iterrows():
        acc = str(acc_id)
        risk = risks.get(acc)
        raising = [d for d in risk.drivers if d.direction == "raises risk"] if risk else []
        tier = str(row["tier"])
        out.append(nba.AccountSignals(
            account_id=acc, name=str(row["name"]), owner=str(row["owner"]),
            owner_name=names.get(str(row["owner"]), str(row["owner"])), is_customer=risk is not None
            or row["clv_kind"] == "contract", was_customer=row["clv_kind"] == "former", clv=float(row["clv"]),
            churn_probability=risk.probability if risk else None, churn_driver=raising[0] if raising else None,
            tier=tier, reply_hours=tiers.SERVICE_MATRIX[Tier(tier)].reply_within_hours,
            typical_deal=float(row["typical_deal"]), win_rate=win_rate,
            leads=[nba.LeadSignal(lead_id=r.lead_id, contact_name=f"{r.first_name} {r.last_name}",
                                  created_at=r.created_at, status=r.status,
                                  contacted_at=None if pd.isna(r.contacted_at) else r.contacted_at,
                                  score=float(ls.loc[r.lead_id, "score"]), route=str(ls.loc[r.lead_id, "route"]))
                   for r in leads.get(acc, empty).itertuples()],
            contacts=[nba.ContactSignal(contact_id=r.contact_id, name=f"{r.first_name} {r.last_name}",
                                        persona=str(r.persona), journey_stage=str(r.journey_stage))
                      for r in people.get(acc, empty).itertuples()],
            visits=[nba.PageVisit(contact_id=r.contact_id, page_type=r.page_type, at=r.at)
                    for r in visits.get(acc, empty).itertuples()],
            contracts=[nba.ContractSignal(contract_id=r.contract_id, product=r.product, end_date=r.end_date,
                                          renewal_date=r.renewal_date, annual_value=r.annual_value)
                       for r in running.get(acc, empty).itertuples()],
            tickets=[nba.TicketSignal(ticket_id=r.ticket_id, subject=r.subject, opened_at=r.opened_at,
                                      contact_name=person.get(r.contact_id, ""), sentiment=r.sentiment,
                                      first_reply_at=None if pd.isna(r.first_reply_at) else r.first_reply_at)
                     for r in tickets.get(acc, empty).itertuples()]))
    return out


def next_actions(ctx: AppContext, actor: Actor, *, account_id: str | None = None, owner: str | None = None,
                 now: datetime | None = None, limit: int = 10) -> list[nba.Action]:
    """Loads only the account's (or the rep's accounts') rows; models and CLV come from the cached bundle."""
    require(actor, Perm.next_actions)
    if bool(account_id) == bool(owner):
        raise PolkuError("invalid", "give exactly one of an account id or an owner (rep id)")
    now = naive(now)
    bundle = scorecache.get(ctx, now)
    if account_id:
        if account_id not in bundle.board.index:
            raise not_found("account", account_id)
        ids = [account_id]
    else:
        ids = bundle.board.index[bundle.board["owner"] == owner].tolist()
        if not ids:
            raise PolkuError("not_found", f"rep {owner!r} owns no accounts")
    with ctx.db.session() as s:
        f = features.load(s, account_ids=ids)
        contacts = analytics.contacts(s, account_ids=ids)
    sig = signals(f, contacts, bundle.board.loc[ids], _churn(bundle, f, now, ids), now, names=rep_names(ctx),
                  win_rate=bundle.win_rate)
    if account_id:
        return nba.next_actions(sig[0], now, limit=limit)
    return nba.for_owner(sig, owner or "", now, limit=limit)
