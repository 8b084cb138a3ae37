"""Composer e-mail: modular composition as the sources describe it.

Pick the 4-6 content modules that fit the person (retrieval, then persona, journey stage and
industry), fill the message template of the goal with allowed facts, choose the call to action by
journey stage, suggest a send time, and write the transparency line. Pure functions: the same
context always gives the same e-mail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from pydantic import BaseModel

from copilot.assembly import TaskContext
from copilot.engines.composer.text import prose_sentences, units
from copilot.guards.memo import cleared_on_erasure
from copilot.results import Citation
from prompts import templates
from retrieval.models import Hit

MIN_MODULES, MAX_MODULES = 4, 6


class ComposedEmail(BaseModel):
    subject: str
    body: str
    cta: str
    send_time: str
    send_time_reason: str
    transparency: str
    used_categories: list[str]


def module_query(goal: str, persona: str | None, lang: str) -> str:
    t = templates("draft_email", lang)
    return " ".join(p for p in (t["queries"][goal], t["persona_queries"].get(persona or "", "")) if p)


def select_modules(hits: Sequence[Hit], *, persona: str | None, stage: str | None, industry: str | None) -> list[Hit]:
    """Rerank hits by fit to the person and keep one chunk per module, 4 to 6 of them.

    Retrieval order is the base; a module written for the person's persona, journey stage or
    industry moves up. Modules for another industry are kept only when nothing better exists.
    """
    best: dict[str, tuple[float, int, Hit]] = {}
    for rank, hit in enumerate(hits):
        meta = hit.meta
        module = str(meta.get("module_id") or hit.source_id)
        score = 1.0 / (rank + 2)
        score += 0.35 if meta.get("persona") == persona else (0.1 if meta.get("persona") == "any" else 0)
        score += 0.25 if meta.get("stage") == stage else 0
        if meta.get("industry") == industry:
            score += 0.3
        elif meta.get("industry") not in (None, "any"):
            score -= 0.3
        if module not in best or best[module][0] < score:
            best[module] = (score, rank, hit)
    ranked = sorted(best.values(), key=lambda t: (-t[0], t[1]))
    keep = [h for s, _r, h in ranked if s > 0][:MAX_MODULES]
    if len(keep) < MIN_MODULES:
        keep = [h for _s, _r, h in ranked][:MIN_MODULES]
    return keep


def subject_topic(goal: str, persona: str | None, lang: str) -> str:
    """A short topic phrase for subject lines: set by the goal, else by the persona."""
    t = templates("draft_email", lang)
    return str(t["goal_topics"].get(goal) or t["persona_topics"].get(persona or "") or t["default_topic"])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# Cached: a campaign summarises the same few modules for every contact of a group.
@cleared_on_erasure
@lru_cache(maxsize=1024)
def summary(snippet: str, limit: int = 170) -> str:
    """The first sentence(s) of a passage, without Markdown headings, within ``limit`` characters."""
    sentences = prose_sentences(snippet) or units(snippet)[:1]
    out = ""
    for sentence in sentences:
        if out and len(out) + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
        if len(out) >= limit:
            break
    return out if len(out) <= limit + 40 else out[:limit].rsplit(" ", 1)[0] + "…"


def send_time(opens: Sequence[datetime], lang: str) -> tuple[str, str]:
    t = templates("draft_email", lang)
    if len(opens) < 3:
        return t["send_time"]["default"], t["send_time"]["default_reason"]
    slots = Counter((o.weekday(), o.hour) for o in opens)
    (day, hour), _n = max(slots.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
    return f"{t['weekdays'][day]} {hour:02d}:00", t["send_time"]["learned_reason"]


def compose(tc: TaskContext, *, goal: str, sender: str, opens: Sequence[datetime]) -> ComposedEmail:
    lang = tc.language
    t = templates("draft_email", lang)
    s = tc.subject
    used = ["contact_profile"] if s.first_name else []
    topic = subject_topic(goal, s.persona, lang)
    company = s.account_name if tc.decision.may_use("firmographics") and s.account_name else None
    if s.industry:  # the industry steered the choice of modules (see select_modules)
        used.append("firmographics")
    subject = t["subjects"][goal].format(
        topic=_capital(topic), company_or_team=company or ("tiimillenne" if lang == "fi" else "your team")
    )
    greeting = t["greeting"].format(first_name=s.first_name) if s.first_name else t["greeting_anonymous"]
    opening = _opening(tc, goal, t, used)
    lines = [greeting, "", opening, "", t["module_intro"]]
    lines += [t["module_line"].format(title=p.title, summary=summary(p.body), ref=p.ref) for p in tc.passages]
    cta = t["cta"].get(s.journey_stage or "consideration", t["cta"]["consideration"])
    timing, reason = send_time(opens, lang)
    if opens and len(opens) >= 3:
        used.append("behaviour")
    lines += ["", cta, "", t["closing"], sender, t["company"]]
    transparency = _transparency(tc, t, used)
    return ComposedEmail(
        subject=subject,
        body="\n".join(lines),
        cta=cta,
        send_time=timing,
        send_time_reason=reason,
        transparency=transparency,
        used_categories=sorted(set(used)),
    )


def _opening(tc: TaskContext, goal: str, t: dict, used: list[str]) -> str:
    if goal == "renewal":
        product, end = tc.fact("contract.product"), tc.fact("contract.end_date")
        if product and end:
            used.append("purchase_history")
            return str(t["openings"]["renewal"]).format(contract_product=product, contract_end_date=end)
        return str(t["openings"]["renewal_no_contract"])
    return str(t["openings"][goal])


def _transparency(tc: TaskContext, t: dict, used: list[str]) -> str:
    level_words = t["personalisation"]
    if "behaviour" in used:
        personal = level_words["behaviour"]
    elif "purchase_history" in used:
        personal = level_words["purchase_history"]
    elif "firmographics" in used:
        personal = level_words["firmographics"]
    else:
        personal = level_words["none"]
    key = "contract" if tc.decision.basis == "contract" else "consent"
    via = tc.decision.obtained_via or ("lomake" if tc.language == "fi" else "a form")
    return str(t["transparency"][key]).format(obtained_via=via, personalisation=personal)


def citations_from(hits: Sequence[Hit]) -> list[Citation]:
    return [
        Citation(ref=i + 1, source_id=h.source_id, title=h.title, location=h.location, snippet=h.snippet, text=h.text)
        for i, h in enumerate(hits)
    ]
