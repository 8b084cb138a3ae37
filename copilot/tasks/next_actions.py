"""Next best actions (from the tools' rules and scores) explained in words for a rep, in Finnish or English.

Every surface (CLI, REST, Slack, the sidebar, `polku demo`) calls :func:`next_actions`, so a rep
reads the same list with the same limit everywhere. Each action is worded from its facts with the
language's templates (``prompts/next_actions``): names instead of ids, Babel-formatted figures,
the churn driver in the account's own figures, plurals that fit.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from pydantic import BaseModel

from copilot import pipeline
from copilot.core.context import AppContext
from copilot.core.identity import Actor
from copilot.core.locale import day, money, number, percent, plural
from copilot.core.permissions import Perm, require
from copilot.tasks import score_words
from prompts import label, templates
from tools import service
from tools.nba import Action

LIMIT = 10
"""Actions one list shows, on every surface."""
MONEY = {"annual", "clv", "deal", "base"}
PERCENT = {"churn", "stay", "save", "p", "win", "stake"}
INTEGER = {"hours", "left", "score", "target"}
LABELLED = {"route", "persona", "stage", "angle", "basis"}
_WORDS = ("account_name", "contact_name", "title", "reason", "value_basis", "owner_name")


class ExplainedActions(BaseModel):
    status: str = "ok"
    language: str
    summary: str
    lines: list[str]
    actions: list[Action]

    @property
    def text(self) -> str:
        return "\n".join([self.summary, *self.lines])


def _facts(t: dict[str, Any], a: Action, lang: str) -> dict[str, str]:
    """The action's facts as the reader's words: money, percentages, dates, counts and labels."""
    out: dict[str, str] = {}
    for key, v in a.facts.items():
        if key in MONEY:
            out[key] = money(float(v), lang)
        elif key in PERCENT:
            out[key] = percent(float(v), lang)
        elif key in INTEGER:
            out[key] = number(float(v), lang)
        elif key.endswith("_date"):
            out[key] = day(date.fromisoformat(str(v)), lang)
        elif key in LABELLED:
            out[key] = label(t, key, str(v))
        else:
            out[key] = str(v)
    if "days" in a.facts:
        out["days"] = plural(int(a.facts["days"]), t["days"], lang)
    if "count" in a.facts:
        out["visits"] = plural(int(a.facts["count"]), t["visits"], lang)
    if "pages" in a.facts:
        out["pages"] = ", ".join(label(t, "page", p) for p in str(a.facts["pages"]).split(","))
    if "stage" in a.facts:
        out["what"] = label(t, "what", str(a.facts["stage"]), "")
    if "share" in a.facts:
        out["share"] = number(float(a.facts["share"]), lang, 2)
    out["why"] = str(t["why"]).format(driver=score_words.driver(a.driver, lang)) if a.driver else ""
    out.setdefault("contact", a.contact_name)
    out.setdefault("account", a.account_name)
    return out


def worded(t: dict[str, Any], a: Action, lang: str) -> tuple[str, str, str]:
    """Title, reason and value basis of one action in the templates' language."""
    case = f"{a.kind}_{a.facts['case']}" if "case" in a.facts else a.kind
    facts = _facts(t, a, lang)
    return (str(t["titles"][a.kind]).format(**facts), str(t["reasons"][case]).format(**facts),
            str(t["bases"][a.kind]).format(**facts))


def explain(actions: list[Action], language: str) -> ExplainedActions:
    """Pure: one sentence per action and a summary, in the rep's language."""
    t = templates("next_actions", language)
    if not actions:
        return ExplainedActions(language=language, summary=t["none"], lines=[], actions=[])
    words = [worded(t, a, language) for a in actions]
    lines = [
        t["line"].format(
            n=i + 1, title=title, reason=reason, basis=basis,
            owner=label(t, "owner", a.owner_name or a.owner),
            due=str(t["due"]).format(day=day(a.due, language)),
            overdue=t["overdue"] if a.overdue else "",
            value=money(a.expected_value, language),
        )
        for i, (a, (title, reason, basis)) in enumerate(zip(actions, words, strict=True))
    ]
    red = sum(1 for a in actions if a.flag == "red")
    summary = t["summary"].format(count=plural(len(actions), t["count"], language),
                                  urgent=plural(red, t["urgent"], language), first=words[0][0])
    return ExplainedActions(language=language, summary=summary, lines=lines, actions=actions)


def next_actions(
    ctx: AppContext,
    actor: Actor,
    *,
    account_id: str | None = None,
    owner: str | None = None,
    language: str = "fi",
    now: datetime | None = None,
    limit: int = LIMIT,
) -> ExplainedActions:
    require(actor, Perm.next_actions)
    actions = service.next_actions(ctx, actor, account_id=account_id, owner=owner, now=now, limit=limit)
    # Account, contact and record names come from CRM files anyone may have typed into: guarded.
    safe = partial(pipeline.safe_staff_text, ctx)
    actions = [a.model_copy(update={k: safe(getattr(a, k)) for k in _WORDS}) for a in actions]
    out = explain(actions, language)
    return out.model_copy(update={"summary": safe(out.summary), "lines": [safe(x) for x in out.lines]})
