"""Next best actions (from the tools' rules and scores) explained in words for a rep."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from copilot.context import AppContext
from copilot.identity import Actor
from prompts import templates
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
    lines = [
        t["line"].format(
            n=i + 1,
            kind=t["kinds"].get(a.kind, a.kind),
            title=a.title,
            reason=a.reason,
            owner=a.owner,
            due=a.due.strftime("%Y-%m-%d %H:%M"),
            overdue=t["overdue"] if a.overdue else "",
            value=f"{a.expected_value:,.0f}",
            basis=a.value_basis,
        )
        for i, a in enumerate(actions)
    ]
    red = sum(1 for a in actions if a.flag == "red")
    summary = t["summary"].format(count=len(actions), red=red, first=actions[0].title)
    return ExplainedActions(language=language, summary=summary, lines=lines, actions=actions)


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
    actions = service.next_actions(ctx, actor, account_id=account_id, owner=owner, now=now, limit=limit)
    return explain(actions, language)
