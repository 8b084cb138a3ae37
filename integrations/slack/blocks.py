"""Block Kit rendering: pure functions from the copilot's result models to Slack message JSON.

Every piece of model or user text goes through :func:`mrkdwn`, which escapes Slack's control
characters (``&``, ``<``, ``>``) so nobody can smuggle in ``<!channel>``, a user mention or a
disguised link, and marks the text ``verbatim`` so Slack does not auto-link bare URLs. The only
links are ones we build ourselves, and only to hosts on ``settings.link_allowlist``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from copilot.core.locale import money, percent
from copilot.results import Answer, Blocked, Citation, EmailDraft
from copilot.tasks.brief import Brief
from copilot.tasks.next_actions import ExplainedActions
from copilot.tasks.variants import VariantSet
from tools.service import AccountScores

Block = dict[str, Any]

ACTION_FEEDBACK_UP = "polku_feedback_up"
ACTION_FEEDBACK_DOWN = "polku_feedback_down"
ACTION_REGENERATE = "polku_regenerate"
ACTION_VARIANT = "polku_variant"
ACTION_LOG_CRM = "polku_log_crm"
ACTION_SHARE = "polku_share"
VIEW_LOG_CRM = "polku_log_crm_confirm"

MAX_TEXT = 2900  # Slack rejects section text over 3000 characters
MAX_BLOCKS = 48  # and messages over 50 blocks
MAX_SOURCES = 8
_URL = re.compile(r"https?://[^\s<>|\"'`]+")


@dataclass
class Message:
    """A rendered message: the notification text and its blocks (without the action buttons)."""

    text: str
    blocks: list[Block]
    buttons: list[Block] = field(default_factory=list)

    def with_buttons(self, *, share: bool) -> list[Block]:
        buttons = [b for b in self.buttons if share or b["action_id"] != ACTION_SHARE]
        tail = [{"type": "actions", "block_id": "polku_actions", "elements": buttons[:25]}] if buttons else []
        return (self.blocks + tail)[:MAX_BLOCKS]


def escape(text: str) -> str:
    """Escape Slack's three control characters (in this order, so ``&`` is not escaped twice)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def allowed(url: str, allowlist: Sequence[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in allowlist)


def mrkdwn(text: str, allowlist: Sequence[str]) -> str:
    """Escaped mrkdwn; URLs on the allow-list become links, any other URL stays inert text."""
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        out.append(escape(text[last : match.start()]))
        out.append(f"<{escape(url)}>" if allowed(url, allowlist) else escape(url))
        last = match.start() + len(url)
    out.append(escape(text[last:]))
    return "".join(out)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def section(text: str, allowlist: Sequence[str]) -> list[Block]:
    """One or more section blocks (long text is split, because a section holds 3,000 characters)."""
    parts = [text[i : i + 1200] for i in range(0, len(text), 1200)] or [""]
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(mrkdwn(p, allowlist), MAX_TEXT) or " ", "verbatim": True},
        }
        for p in parts
    ]


def bold_line(label: str, text: str, allowlist: Sequence[str]) -> Block:
    """A section with a fixed bold label (our own text) before escaped content."""
    body = _clip(mrkdwn(text, allowlist), MAX_TEXT - len(label) - 4)
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"*{label}* {body}", "verbatim": True}}


def context(text: str, allowlist: Sequence[str]) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _clip(mrkdwn(text, allowlist), 1900) or " ", "verbatim": True}],
    }


def sources(citations: Sequence[Citation], allowlist: Sequence[str]) -> list[Block]:
    """Citations as context blocks: ``[n] title — location`` and a short snippet."""
    blocks: list[Block] = []
    for c in citations[:MAX_SOURCES]:
        line = f"[{c.ref}] {_clip(c.title, 150)} — {_clip(c.location, 150)}\n{_clip(c.snippet, 280)}"
        blocks.append(
            {
                "type": "context",
                "block_id": f"polku_source_{c.ref}",
                "elements": [{"type": "mrkdwn", "text": mrkdwn(line, allowlist), "verbatim": True}],
            }
        )
    return blocks


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    b: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        b["style"] = style
    return b


def feedback_buttons(audit_id: str | None) -> list[Block]:
    if not audit_id:
        return []
    return [button("👍", ACTION_FEEDBACK_UP, audit_id), button("👎", ACTION_FEEDBACK_DOWN, audit_id)]


def _footer(audit_id: str | None, extra: str | None, allowlist: Sequence[str]) -> list[Block]:
    bits = [b for b in (extra, f"audit {audit_id}" if audit_id else None) if b]
    return [context(" · ".join(bits), allowlist)] if bits else []


def answer(a: Answer, allowlist: Sequence[str]) -> Message:
    blocks = section(a.text, allowlist)
    if not a.known:
        blocks.append(context("No reliable source answers this; a specialist can take it over.", allowlist))
    blocks += sources(a.citations, allowlist)
    blocks += _footer(a.provenance.audit_id, a.transparency, allowlist)
    return Message(text=_clip(escape(a.text), 300), blocks=blocks)


def email(d: EmailDraft, allowlist: Sequence[str]) -> Message:
    blocks = [
        bold_line("✉️ Draft to", f"{d.contact_id} ({d.goal}, {d.language})", allowlist),
        bold_line("Subject:", d.subject, allowlist),
    ]
    blocks += section(d.body, allowlist)
    blocks.append(context(f"Send {d.send_time}: {d.send_time_reason}", allowlist))
    blocks += sources(d.modules, allowlist)
    blocks += _footer(d.provenance.audit_id, d.transparency, allowlist)
    return Message(text=_clip(escape(f"Draft: {d.subject}"), 300), blocks=blocks)


def brief(b: Brief, allowlist: Sequence[str]) -> Message:
    blocks = [bold_line("📋", b.title, allowlist)]
    blocks += section("\n".join(s.text for s in b.sections), allowlist)
    blocks.append(bold_line("Opening line:", b.opening_line, allowlist))
    for h in b.sources[:MAX_SOURCES]:
        blocks.append(context(f"{h.day} · {h.kind} · {_clip(h.title, 150)} ({h.id})", allowlist))
    blocks += _footer(b.provenance.audit_id, None, allowlist)
    return Message(text=_clip(escape(b.title), 300), blocks=blocks)


def actions(x: ExplainedActions, allowlist: Sequence[str]) -> Message:
    blocks = [bold_line("🧭", x.summary, allowlist)]
    if x.lines:
        blocks += section("\n".join(x.lines), allowlist)
    return Message(text=_clip(escape(x.summary), 300), blocks=blocks)


def scores(s: AccountScores, allowlist: Sequence[str]) -> Message:
    churn = (
        f"{percent(s.churn.probability, 'en')} ({s.churn.band}); "
        + "; ".join(f"{d.text} ({d.direction})" for d in s.churn.drivers)
        if s.churn
        else "not assessed (no active customership)"
    )
    leads = (
        "; ".join(
            f"{lead.contact or lead.lead_id} {lead.score:.0f} (fit {lead.fit:.0f}, behaviour {lead.behaviour:.0f}) → "
            f"{lead.route.replace('_', ' ')}"
            for lead in s.leads[:3]
        )
        or "no open leads"
    )
    lines = [
        f"Owner {s.owner_name} · tier {s.tier} · view {s.view} · CLV ≈ {money(s.clv, 'en')}",
        f"Churn risk: {churn}",
        f"Leads: {leads}",
    ]
    blocks = [
        bold_line("📊", f"{s.name} ({s.account_id})", allowlist),
        *section("\n".join(lines), allowlist),
        context("Scores are predictions: treat them as hints, not facts.", allowlist),
    ]
    return Message(text=_clip(escape(f"Scores for {s.name}"), 300), blocks=blocks)


def variant_set(v: VariantSet, allowlist: Sequence[str]) -> Message:
    blocks = [bold_line("🧪 A/B test of", f"{v.element} (metric: {v.metric})", allowlist)]
    for var in v.variants:
        blocks.append(bold_line(f"{var.name}:", f"{var.elements[v.element]} — {var.hypothesis}", allowlist))
    blocks.append(
        context(f"Needs {v.sample_size.per_group:,} contacts per group, about {v.duration.days} days.", allowlist)
    )
    return Message(text=_clip(escape(f"A/B variants of the {v.element}"), 300), blocks=blocks)


def blocked(b: Blocked, allowlist: Sequence[str]) -> Message:
    blocks = [bold_line("🚫 Not allowed:", b.reason, allowlist)]
    blocks += _footer(b.provenance.audit_id, f"task {b.task}", allowlist)
    return Message(text=_clip(escape(f"Not allowed: {b.reason}"), 300), blocks=blocks)


def notice(text: str, allowlist: Sequence[str] = ()) -> Message:
    """A one-line message of our own (errors, confirmations), still escaped."""
    return Message(text=_clip(escape(text), 300), blocks=section(text, allowlist))


RENDERERS: dict[type, Any] = {
    Answer: answer,
    EmailDraft: email,
    Brief: brief,
    ExplainedActions: actions,
    AccountScores: scores,
    VariantSet: variant_set,
    Blocked: blocked,
}


def render(result: Any, allowlist: Sequence[str]) -> Message:
    message: Message = RENDERERS[type(result)](result, allowlist)
    return message


def shared(message: Message, user: str) -> list[Block]:
    """The blocks posted to the channel by "Share in channel": no buttons, who shared it."""
    return [*message.blocks, {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user}>"}]}][
        :MAX_BLOCKS
    ]


def crm_preview(
    *, subject: str, account_id: str, changes: Sequence[str], metadata: str, allowlist: Sequence[str]
) -> Block:
    """The confirmation modal of "Log to CRM": what would be written; only Submit writes it."""
    return {
        "type": "modal",
        "callback_id": VIEW_LOG_CRM,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": "Log to CRM"},
        "submit": {"type": "plain_text", "text": "Log it"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            bold_line("Account:", account_id, allowlist),
            bold_line("Subject:", subject, allowlist),
            context("This will write: " + "; ".join(changes), allowlist),
        ],
    }
