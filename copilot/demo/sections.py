"""The showcase sections of `polku demo`: the copilot's tasks for the example people."""

from __future__ import annotations

from copilot.core.context import AppContext
from copilot.core.identity import Actor, Role
from copilot.demo.showcase import SECTIONS, Examples, Section
from copilot.results import Blocked
from copilot.writing import offers

STAFF = Actor(id="demo", role=Role.admin)


def brief_section(ctx: AppContext, ex: Examples) -> Section:
    from copilot.tasks.brief import brief

    if not ex.account_id:
        return Section(title="Account brief", text="no active customer in the store")
    b = brief(ctx, ex.account_id, actor=STAFF, language="en", surface="cli")
    return Section(title=f"Account brief – {ex.account_id}", text=b.text, data=b.model_dump(mode="json"))


WHY_NOW = {
    "renewal": "their agreement comes up for renewal",
    "renewal_usage_down": "renewal near and use falling",
    "welcome": "a new customer",
    "new_product": "a product just ordered",
    "recent_order": "a recent order",
    "pricing_visit": "they read the pricing page",
    "reference_visit": "they read customer stories",
    "tenure": "years as a customer",
    "former_customer": "a former customer",
    "last_order": "a while since the last order",
    "quiet": "no contact for a while",
    "webinar": "a webinar on their topic",
    "stage_awareness": "their buying stage",
    "stage_consideration": "their buying stage",
    "stage_decision": "their buying stage",
    "company": "their company and industry",
    "renewal_generic": "their agreement comes up for renewal",
    "onboarding_generic": "their first weeks as a customer",
    "generic": "a fit with their situation",
}
"""What the plan's trigger means, in the rep's words (the demo prints it beside the draft)."""


def draft_section(ctx: AppContext, ex: Examples) -> Section:
    from copilot.tasks.email import EmailRequest, draft_email

    if not ex.contact_id:
        return Section(title="E-mail draft", text="no contact with e-mail consent in the store")
    d = draft_email(ctx, EmailRequest(contact_id=ex.contact_id, goal="upsell"), actor=STAFF)
    if isinstance(d, Blocked):
        return Section(title="E-mail draft", text=d.reason, data=d.model_dump(mode="json"))
    sources = "\n".join(f"- {c.title}" for c in d.modules)
    why = WHY_NOW.get(d.trigger or "", "a fit with their situation")
    offer = offers.name(d.offer, "en") if d.offer else "nothing new"
    text = (f"Subject: {d.subject}\n\n{d.body}\n\n{d.transparency}\n\n"
            f"For the rep: why now: {why}; it offers {offer}; best sent {d.send_time}. Sources:\n{sources}")
    return Section(title=f"Personalised upsell e-mail – {ex.contact_id}", text=text, data=d.model_dump(mode="json"))


def reply_section(ctx: AppContext, ex: Examples) -> Section:
    from copilot.tasks.reply import SuggestedReply, suggest_reply

    if not ex.ticket_id:
        return Section(title="Suggested reply", text="no open ticket in the store")
    r = suggest_reply(ctx, ex.ticket_id, actor=Actor(id="sup-eeva", role=Role.support), surface="cli")
    if not isinstance(r, SuggestedReply):
        return Section(title="Suggested reply", text=r.reason)
    source = r.article.title if r.article else "no help content fits: hand it to a specialist"
    return Section(title=f"Suggested reply to ticket {ex.ticket_id} ({r.language})",
                   text=f"{r.text}\n\nFor the agent: source = {source}", data=r.model_dump(mode="json"))


def blocked_section(ctx: AppContext, ex: Examples) -> Section:
    from copilot.tasks.email import EmailRequest, draft_email

    if not ex.blocked_contact_id:
        return Section(title="Consent gate", text="no withdrawn consent in the store")
    d = draft_email(ctx, EmailRequest(contact_id=ex.blocked_contact_id, goal="upsell"), actor=STAFF)
    text = d.reason if isinstance(d, Blocked) else "unexpectedly allowed"
    return Section(
        title=f"Consent gate – {ex.blocked_contact_id}", text=f"Not drafted: {text}", data=d.model_dump(mode="json")
    )


def actions_section(ctx: AppContext, ex: Examples) -> Section:
    from copilot.tasks.next_actions import next_actions

    if not ex.account_id:
        return Section(title="Next actions", text="no account")
    result = next_actions(ctx, STAFF, account_id=ex.account_id, language="en")
    return Section(title=f"Next actions – {ex.account_id}", text=result.text, data=result.model_dump(mode="json"))


def ask_section(ctx: AppContext, ex: Examples) -> Section:
    from copilot.tasks.ask import AskRequest, ask

    visitor = Actor(id="visitor", role=Role.visitor)
    blocks, data = [], []
    for question in ("Paljonko HR Core maksaa kuukaudessa?", "Do you have an on-premise version?"):
        a = ask(ctx, AskRequest(question=question, surface="widget"), actor=visitor)
        if isinstance(a, Blocked):
            blocks.append(f"{question}\n{a.reason}")
            continue
        sources = "".join(f"\n  source: {c.title} ({c.location})" for c in a.citations)
        blocks.append(f"Q: {a.question}\nA: {a.text}{sources}")
        data.append(a.model_dump(mode="json"))
    return Section(title="Chat answers (website visitor)", text="\n\n".join(blocks), data={"answers": data})


def variants_section(ctx: AppContext, ex: Examples) -> Section:
    from copilot.tasks.variants import VariantRequest, variants

    if not ex.contact_id:
        return Section(title="A/B variants", text="no contact")
    v = variants(ctx, VariantRequest(contact_id=ex.contact_id, element="subject", n=2), actor=STAFF)
    if isinstance(v, Blocked):
        return Section(title="A/B variants", text=v.reason)
    lines = [f"{x.name}: {x.elements['subject']}  ({x.hypothesis})" for x in v.variants]
    lines.append(f"{v.sample_size.per_group} per group, at least {v.duration.days} days")
    return Section(title="A/B variants of the subject", text="\n".join(lines), data=v.model_dump(mode="json"))


SECTIONS.extend([brief_section, draft_section, blocked_section, actions_section, ask_section, reply_section,
                 variants_section])
