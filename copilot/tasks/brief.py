"""Account brief for a rep before a call: who, value, risk and its drivers, leads, open work,
recent signals, what changed, and a suggested opening line. Staff only; deterministic.

Written as a person would write it, in the rep's language: names instead of ids (the owner rep,
the lead's person), Babel-formatted figures and dates, the churn drivers in the account's own
figures. Each section with a number carries ``explain``, one line on how it was computed
(``polku brief --explain`` prints them).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, Field

from copilot import pipeline
from copilot.assembly import prepare
from copilot.core.context import AppContext
from copilot.core.identity import Actor
from copilot.core.locale import day, money, number, percent
from copilot.core.permissions import Perm, require
from copilot.core.store.repo import crm_records
from copilot.results import Provenance
from copilot.tasks import score_words
from prompts import label, labelled, templates
from retrieval import service as retrieval
from retrieval.models import HistoryItem
from tools import service as scores


class BriefSection(BaseModel):
    name: str
    text: str
    explain: str = ""
    """How the section's figures were computed, in one line (empty when it has none)."""


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
    lang = language
    timeline = [h for h in history if h.kind in ("event", "usage")][:5]
    sections = [
        BriefSection(name="who", text=t["who"].format(
            name=account.name, industry=label(t, "industry", account.industry),
            employees=number(account.employees, lang), size=label(t, "size", account.size), owner=s.owner_name)),
        BriefSection(name="value", text=_value(t, s, lang),
                     explain=score_words.value_explain(s.value, s.churn.probability if s.churn else None, lang)),
        BriefSection(name="churn", text=_churn(t, s, lang),
                     explain=score_words.risk_explain(s.churn, lang, s.churn.trained_on) if s.churn else ""),
        *[
            BriefSection(name="lead", explain="" if i else t["lead_explain"], text=t["lead"].format(
                contact=lead.contact or lead.lead_id, score=number(lead.score, lang), fit=number(lead.fit, lang),
                behaviour=number(lead.behaviour, lang), route=label(t, "route", lead.route)))
            for i, lead in enumerate(s.leads[:3])
        ],
        BriefSection(name="opportunities", text=_items(t, "opportunities", [
            f"{o.name} ({label(t, 'stage', o.stage)}, {money(o.amount, lang)}, {day(o.close_date, lang)})"
            for o in opps])),
        BriefSection(name="tickets", text=_items(t, "tickets", [
            t["quoted"].format(text=k.subject) + f" ({label(t, 'priority', k.priority)}, {day(k.opened_at, lang)})"
            for k in tickets[:5]])),
        BriefSection(name="signals", text=_items(t, "signals", [f"{day(h.day, lang)}: {_item(t, h, lang)}"
                                                                 for h in timeline])),
        BriefSection(name="changed", text=t["changed"].format(
            items="; ".join(f"{day(h.day, lang)}: {_item(t, h, lang)}" for h in history[:4]) or "–")),
    ]
    opener = _opener(t, s, tickets, tc.fact("contract.end_date"), tc.now)
    # Ticket subjects, notes and chat lines are untrusted: every line a rep reads is guarded.
    safe = partial(pipeline.safe_staff_text, ctx)
    sections = [x.model_copy(update={"text": safe(x.text)}) for x in sections]
    opener = safe(opener)
    # A source is cited by what it is; a customer's message is cited by where it was written, not quoted.
    history = [h.model_copy(update={"title": safe(h.title), "facets": {k: safe(v) for k, v in h.facets.items()},
                                    "text": _item(t, h, lang) if h.kind == "message" else safe(h.text)})
               for h in history]
    prov = pipeline.provenance(tc, engine="composer")
    prov = pipeline.audit(
        ctx, tc, prov, actor=actor, surface=surface, outcome="ok", details={"history": [h.id for h in history]}
    )
    return Brief(account_id=account_id, language=language, title=t["title"].format(name=account.name),
                 sections=sections, opening_line=opener, sources=history, provenance=prov)


def _value(t: dict[str, Any], s: scores.AccountScores, lang: str) -> str:
    form = t["value"].get(s.value.kind, t["value"]["none"])
    view = f" ({label(t, 'view', s.view)})" if s.view == "risk" else ""  # the simple view adds only "at risk"
    return str(form).format(tier=label(t, "tier", s.tier) + view, clv=money(s.clv, lang),
                            annual=money(s.value.annual_value, lang), p_win=percent(s.value.p_win, lang))


def _churn(t: dict[str, Any], s: scores.AccountScores, lang: str) -> str:
    if s.churn is None:
        return str(t["churn_none"])
    # a low risk is explained by what keeps it low, a higher one by what raises it
    low = s.churn.band == "low"
    return str(t["churn_low" if low else "churn"]).format(
        risk=score_words.risk(s.churn, lang),
        drivers=score_words.drivers(s.churn, lang, direction="lowers risk" if low else "raises risk"))


def _item(t: dict[str, Any], h: HistoryItem, lang: str) -> str:
    """One timeline item in the reader's language: its kind's template filled with its labelled, formatted facets."""
    items = t["items"]
    if not h.facets or h.kind not in items:
        return str(items["other"]).format(kind=label(t, "kind", h.kind), title=_own_words(h.title, h.kind))
    facets = labelled(t, h.facets)
    if h.kind == "event":  # not every event is on a page (a download, an e-mail open)
        facets["page_part"] = items["page_part"].format(page=facets["page"]) if facets["page"] else ""
        facets["count"] = number(float(h.facets.get("count", "1")), lang)
    if h.kind == "usage" and "change" in h.facets:
        facets["change"] = percent(abs(float(h.facets["change"])), lang)
        facets["from"], facets["to"] = (number(float(h.facets.get(k, "0")), lang) for k in ("from", "to"))
    if h.kind == "order" and "amount" in h.facets:
        facets["amount"] = money(float(h.facets["amount"].replace(",", "")), lang)
    if h.kind == "contract" and "end" in h.facets:
        facets["end"] = day(date.fromisoformat(h.facets["end"]), lang)
    try:
        return str(items[h.kind]).format(**facets)
    except KeyError:  # an item written before its facets grew: its title still says what it was
        return str(items["other"]).format(kind=label(t, "kind", h.kind), title=_own_words(h.title, h.kind))


def _own_words(title: str, kind: str) -> str:
    """A note as its writer put it, without the kind it opens with ("Puhelu: käytiin läpi…" under "puhelu"),
    which the item already names, in either language."""
    head, sep, rest = title.partition(":")
    kinds = {str(templates("brief", lang)["labels"]["kind"].get(kind, "")).lower() for lang in ("fi", "en")}
    return rest.strip() if sep and rest.strip() and head.strip().lower() in kinds else title


def _items(t: dict[str, Any], key: str, items: list[str]) -> str:
    return str(t[key]).format(items="; ".join(items)) if items else str(t[f"{key}_none"])


def _opener(t: dict[str, Any], s: scores.AccountScores, tickets: list, contract_end: str | None, now: datetime) -> str:
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
