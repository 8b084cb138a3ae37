"""Composer support reply: greet, name the problem, give the help article's steps, say what next.

The article is the help content that fits the ticket (chosen by the task); its numbered steps are the
reply's core, in the contact's language. When nothing fits, the reply says the request went to a
specialist, and the task marks it for escalation. Pure functions.
"""

from __future__ import annotations

from pydantic import BaseModel

from copilot.assembly import TaskContext
from copilot.engines.composer import sizes
from prompts import templates
from retrieval.units import is_step, numbered_items, step_openings, units

MAX_STEPS = 5
MAX_SENTENCES = 3


class ComposedReply(BaseModel):
    text: str
    used_categories: list[str]


def steps(body: str) -> list[str]:
    """The numbered steps of a help article, in order."""
    return numbered_items(body)[:MAX_STEPS]


def cause(ticket: str, body: str) -> str:
    """The sentence of a help article (not one of its steps) that tells the count of people the ticket is about:
    "it's calculated for 50 users, not 38" is explained by "The minimum billing is 50 users." before any step.
    The count and what it counts must both match ("50 employees" is not the minimum's "50 users"). Empty
    when no sentence tells one."""
    told = sizes.counts(ticket)
    if not told:
        return ""
    openings = step_openings(body)
    return next((u for u in units(body) if told & sizes.counts(u) and not is_step(u, openings) and "://" not in u), "")


def compose(tc: TaskContext, *, title: str | None, body: str, subject: str, unhappy: bool, agent: str,
            variant: int, cause: str = "") -> ComposedReply:
    """The reply text. ``title``/``body`` are the help content that fits (None when nothing does):
    an article's numbered steps, or else the answering section of an FAQ as ``body``; ``subject`` is
    what the ticket is about in the reader's words: its subject when that is quotable, else the kind of
    request a specialist takes ("service outage"), else ""; ``cause`` the article's sentence that explains
    the ticket's own figure (see :func:`cause`), said before the steps."""
    t = templates("support_reply", tc.language)
    first = tc.subject.first_name
    lines = [t["greeting"].format(first_name=first) if first else t["greeting_anonymous"], ""]
    opening = t["thanks"][variant % len(t["thanks"])] + (" " + t["sorry"] if unhappy else "")
    found = steps(body) if title else []
    answer = "" if found or not title else " ".join(units(body)[:MAX_SENTENCES])
    if found:
        lines += [" ".join(filter(None, (opening, cause, t["topic"].format(title=title)))), "", t["steps_intro"]]
        lines += [f"{i}. {step}" for i, step in enumerate(found, start=1)]
        lines += ["", t["next"]]  # not the article's "open a ticket": this reply answers their ticket
    elif answer:
        lines += [f"{opening} {answer}", "", t["next_info"]]
    else:
        handed = t["escalate_topic"].format(subject=subject) if subject else t["escalate"]
        lines += [f"{opening} {handed}"]
    lines += ["", t["signoff"], agent, t["team"]] if agent else ["", t["signoff"], t["team"]]
    used = ["support_history"] + (["contact_profile"] if first else []) + (["public_content"] if title else [])
    return ComposedReply(text="\n".join(lines), used_categories=used)
