"""Account brief for a rep before a call: who, value, risk and its drivers, leads, open work,
recent signals, what changed, and a suggested opening line. Staff only; deterministic."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from copilot import pipeline
from copilot.assembly import prepare
from copilot.core.context import AppContext
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from copilot.core.store.repo import crm_records
from copilot.results import Provenance
from prompts import label, labelled, templates
from retrieval import service as retrieval
from retrieval.models import HistoryItem
from tools import service as scores


class BriefSection(BaseModel):
    name: str
    text: str


class Brief(BaseModel):
    status: Literal["ok"] = "ok"
    account_id: str
    language: str
    title: str
    sections: list[BriefSection]
    opening_line: str
    sources: list[HistoryItem] = Field(default_factory=list)
    provenance: Provenance

    @property
    def text(self) -> str:
        return "\n".join([self.title, *(s.text for s in self.sections), f"→ {self.opening_line}"])


def brief(
    ctx: AppContext,
    account_id: str,
    *,
    actor: Actor,
    language: str = "fi",
    surface: str = "cli",
    now: datetime | None = None,
) -> Brief:
    require(actor, Perm.brief)
    tc = prepare(ctx, "brief", account_id=account_id, language=language, now=now)
    t = templates("brief", language)
    s = scores.score_account(ctx, actor, account_id, now=tc.now)
    with ctx.db.session() as session:
        account = crm_records.get(session, model=crm_records.Account, ident=account_id)
        opps = [
            o for o in crm_records.opportunities_of(session, account_id=account_id) if o.stage not in ("won", "lost")
        ]
        tickets = [k for k in crm_records.tickets_of(session, account_id=account_id) if k.status in ("open", "pending")]
    assert account is not None  # prepare() raised for an unknown id
    history = retrieval.account_history(ctx, account_id, "", k=8, now=tc.now.date())
    sections = [
        BriefSection(
            name="who",
            text=t["who"].format(
                name=account.name,
                industry=label(t, "industry", account.industry),
                employees=account.employees,
                size=label(t, "size", account.size),
                owner=account.owner,
            ),
        ),
        BriefSection(name="value", text=t["value"].format(tier=s.tier, view=s.view, clv=f"{s.clv:,.0f}")),
        BriefSection(name="churn", text=_churn(t, s)),
        *[
            BriefSection(
                name="lead",
                text=t["lead"].format(
                    lead_id=lead.lead_id,
                    score=f"{lead.score:.0f}",
                    fit=f"{lead.fit:.0f}",
                    behaviour=f"{lead.behaviour:.0f}",
                    route=label(t, "route", lead.route),
                ),
            )
            for lead in s.leads[:3]
        ],
        BriefSection(
            name="opportunities",
            text=_items(t, "opportunities", [f"{o.name} ({label(t, 'stage', o.stage)}, {o.amount:,.0f} €, "
                                             f"{o.close_date})" for o in opps]),
        ),
        BriefSection(
            name="tickets",
            text=_items(t, "tickets", [f"{k.subject} ({label(t, 'priority', k.priority)}, {k.opened_at.date()})"
                                       for k in tickets[:5]]),
        ),
        BriefSection(
            name="signals",
            text=_items(t, "signals", [f"{h.day}: {_item(t, h)}" for h in history if h.kind in ("event", "usage")][:5]),
        ),
        BriefSection(
            name="changed", text=t["changed"].format(items="; ".join(f"{h.day}: {_item(t, h)}" for h in history[:4]))
        ),
    ]
    opener = _opener(t, s, tickets, tc.fact("contract.end_date"), tc.now)
    prov = pipeline.provenance(tc, engine="composer")
    prov = pipeline.audit(
        ctx, tc, prov, actor=actor, surface=surface, outcome="ok", details={"history": [h.id for h in history]}
    )
    return Brief(
        account_id=account_id,
        language=language,
        title=t["title"].format(name=account.name),
        sections=sections,
        opening_line=opener,
        sources=history,
        provenance=prov,
    )


def _churn(t: dict, s: scores.AccountScores) -> str:
    if s.churn is None:
        return str(t["churn_none"])
    drivers = "; ".join(f"{label(t, 'driver', d.feature, d.label)} {d.value}" for d in s.churn.drivers) or "–"
    return str(t["churn"]).format(probability=f"{s.churn.probability:.0%}", band=label(t, "band", s.churn.band),
                                  drivers=drivers)


def _item(t: dict, h: HistoryItem) -> str:
    """One timeline item in the reader's language: its kind's template filled with its labelled facets."""
    items = t["items"]
    if not h.facets or h.kind not in items:
        return str(items["other"]).format(kind=label(t, "kind", h.kind), title=h.title)
    facets = labelled(t, h.facets)
    if h.kind == "event":  # not every event is on a page (a download, an e-mail open)
        facets["page_part"] = items["page_part"].format(page=facets["page"]) if facets["page"] else ""
    return str(items[h.kind]).format(**facets)


def _items(t: dict, key: str, items: list[str]) -> str:
    return str(t[key]).format(items="; ".join(items)) if items else str(t[f"{key}_none"])


def _opener(t: dict, s: scores.AccountScores, tickets: list, contract_end: str | None, now: datetime) -> str:
    openers = t["openers"]
    if contract_end and (datetime.fromisoformat(contract_end) - now.replace(tzinfo=None)).days <= 120:
        return str(openers["renewal"])
    if tickets:
        return str(openers["ticket"]).format(subject=tickets[0].subject)
    if s.churn is not None and s.churn.probability >= 0.5:
        return str(openers["churn"])
    if any(lead.route != "nurture" for lead in s.leads):
        return str(openers["interest"])
    return str(openers["default"])
