"""Vocabulary of the domain, shared by the store, the tools, the engines and the surfaces.

The values are the words of the sources (DOMAIN.md): the buying journey, the lead lifecycle, the
lawful bases of GDPR, the personalisation levels a customer may choose. They are plain string enums
so that they serialise as themselves in JSON, CSV and SQL.
"""

from __future__ import annotations

import enum


class StrEnum(enum.StrEnum):
    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


class Language(StrEnum):
    fi = "fi"
    en = "en"


class LifecycleStage(StrEnum):
    visitor = "visitor"
    prospect = "prospect"
    mql = "mql"
    sql = "sql"
    opportunity = "opportunity"
    customer = "customer"
    advocate = "advocate"


class LeadStatus(StrEnum):
    no_action = "no_action"
    contacted = "contacted"
    dead = "dead"
    converted = "converted"


class DeadReason(StrEnum):
    """Why a lead was closed as dead; the book requires one of these."""

    no_budget = "no_budget"
    wrong_person = "wrong_person"
    not_potential = "not_potential"


class OpportunityStage(StrEnum):
    qualification = "qualification"
    proposal = "proposal"
    negotiation = "negotiation"
    won = "won"
    lost = "lost"


class LossReason(StrEnum):
    price = "price"
    competitor = "competitor"
    no_decision = "no_decision"
    timing = "timing"
    no_budget = "no_budget"
    product_fit = "product_fit"


class JourneyStage(StrEnum):
    awareness = "awareness"
    consideration = "consideration"
    decision = "decision"
    customership = "customership"


class TicketStatus(StrEnum):
    open = "open"
    pending = "pending"
    solved = "solved"
    closed = "closed"


class TicketPriority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class EventType(StrEnum):
    page_view = "page_view"
    download = "download"
    email_open = "email_open"
    email_click = "email_click"
    form_submit = "form_submit"
    webinar = "webinar"


class PageType(StrEnum):
    pricing = "pricing"
    services = "services"
    reference = "reference"
    blog = "blog"
    product = "product"
    other = "other"


class Channel(StrEnum):
    email = "email"
    linkedin = "linkedin"
    google_ads = "google_ads"
    events = "events"
    webinar = "webinar"
    content = "content"
    partner = "partner"


class PaymentModel(StrEnum):
    cpc = "cpc"
    cpm = "cpm"
    cpl = "cpl"
    fixed = "fixed"


class Purpose(StrEnum):
    """What a piece of processing is for; consent is given or refused per purpose."""

    email_marketing = "email_marketing"
    newsletter = "newsletter"
    personalisation = "personalisation"
    site_tracking = "site_tracking"
    service_chat = "service_chat"
    proactive_service = "proactive_service"


class LawfulBasis(StrEnum):
    consent = "consent"
    contract = "contract"
    legitimate_interest = "legitimate_interest"


class ConsentStatus(StrEnum):
    granted = "granted"
    withdrawn = "withdrawn"
    denied = "denied"


class PersonalisationLevel(StrEnum):
    """What the customer lets us use: firmographics, + purchase history, + behaviour."""

    basic = "basic"
    standard = "standard"
    premium = "premium"


class ContentType(StrEnum):
    use_case = "use_case"
    feature = "feature"
    reference = "reference"
    roi_example = "roi_example"
    faq = "faq"
    pricing = "pricing"
    service_level = "service_level"
    privacy_notice = "privacy_notice"
    help_article = "help_article"


class Tier(StrEnum):
    """Value tier by CLV percentile. Staff-only: never shown to the customer."""

    vip = "vip"
    premium = "premium"
    standard = "standard"
    basic = "basic"


class AccountSize(StrEnum):
    small = "small"
    medium = "medium"
    key = "key"
