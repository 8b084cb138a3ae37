"""Next best actions (from the tools' rules and scores) explained in words for a rep."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.identity import Actor
from copilot.core.permissions import Perm, require
from prompts import label, labelled, templates
from tools import service
from tools.nba import Action


class ExplainedActions(BaseModel):
    status: str = "ok"
    language: str
    summary: str
    lines: list[str]
    actions: list[Action]

    @property
    def text(self) -> str:
        return "\n".join([self.summary, *self.lines])


def explain(actions: list[Action], language: str) -> ExplainedActions:
    """Pure: one sentence per action and a summary, in the rep's language."""
    t = templates("next_actions", language)
    if not actions:
        return ExplainedActions(language=language, summary=t["none"], lines=[], actions=[])
    worded = [_worded(t, a) for a in actions]
    lines = [
        t["line"].format(
            n=i + 1,
            kind=t["kinds"].get(a.kind, a.kind),
            title=title,
            reason=reason,
            owner=a.owner,
            due=a.due.strftime("%Y-%m-%d %H:%M"),
            overdue=t["overdue"] if a.overdue else "",
            value=f"{a.expected_value:,.0f}",
            basis=basis,
        )
        for i, (a, (title, reason, basis)) in enumerate(zip(actions, worded, strict=True))
    ]
    red = sum(1 for a in actions if a.flag == "red")
    summary = t["summary"].format(count=len(actions), red=red, first=worded[0][0])
    return ExplainedActions(language=language, summary=summary, lines=lines, actions=actions)


def _worded(t: dict, a: Action) -> tuple[str, str, str]:
    """Title, reason and value basis in the template's language, from the action's facts; the rules
    engine's English text where the template has no wording for the action (or the facts are missing)."""
    titles, reasons, bases = t.get("titles", {}), t.get("reasons", {}), t.get("bases", {})
    case = f"{a.kind}_{a.facts['case']}" if "case" in a.facts else a.kind
    if a.kind not in titles or case not in reasons:
        return a.title, a.reason, a.value_basis
    facts = labelled(t, a.facts)
    if "pages" in a.facts:
        facts["pages"] = ", ".join(label(t, "page", p, p) for p in a.facts["pages"].split(","))
    if "stage" in a.facts:
        facts["what"] = label(t, "what", a.facts["stage"], "")
    try:
        return (titles[a.kind].format(**facts), reasons[case].format(**facts),
                bases.get(a.kind, a.value_basis).format(**facts))
    except KeyError:
        return a.title, a.reason, a.value_basis


def next_actions(
    ctx: AppContext,
    actor: Actor,
    *,
    account_id: str | None = None,
    owner: str | None = None,
    language: str = "fi",
    now: datetime | None = None,
    limit: int = 10,
) -> ExplainedActions:
    require(actor, Perm.next_actions)
    actions = service.next_actions(ctx, actor, account_id=account_id, owner=owner, now=now, limit=limit)
    return explain(actions, language)
