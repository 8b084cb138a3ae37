"""Composer support reply: greet, name the problem, give the help article's steps, say what next.

The article is the help content that fits the ticket (chosen by the task); its numbered steps are the
reply's core, in the contact's language. When nothing fits, the reply says the request went to a
specialist, and the task marks it for escalation. Pure functions.
"""

from __future__ import annotations

from pydantic import BaseModel

from copilot.assembly import TaskContext
from prompts import templates
from retrieval.units import numbered_items, units

MAX_STEPS = 5
MAX_SENTENCES = 3


class ComposedReply(BaseModel):
    text: str
    used_categories: list[str]


def steps(body: str) -> list[str]:
    """The numbered steps of a help article, in order."""
    return numbered_items(body)[:MAX_STEPS]


def compose(tc: TaskContext, *, title: str | None, body: str, subject: str, unhappy: bool, agent: str,
            variant: int) -> ComposedReply:
    """The reply text. ``title``/``body`` are the help content that fits (None when nothing does):
    an article's numbered steps, or else the answering section of an FAQ as ``body``; ``subject`` is
    what the ticket is about in the reader's words: its subject when that is quotable, else the kind of
    request a specialist takes ("service outage"), else ""."""
    t = templates("support_reply", tc.language)
    first = tc.subject.first_name
    lines = [t["greeting"].format(first_name=first) if first else t["greeting_anonymous"], ""]
    opening = t["thanks"][variant % len(t["thanks"])] + (" " + t["sorry"] if unhappy else "")
    found = steps(body) if title else []
    answer = "" if found or not title else " ".join(units(body)[:MAX_SENTENCES])
    if found:
        lines += [f"{opening} {t['topic'].format(title=title)}", "", t["steps_intro"]]
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
