"""What `polku demo` shows: the copilot's main job for a few example people.

Each capability adds a section function to ``SECTIONS``; a section gets the context and the example
people and returns a titled block of text plus its data (for ``--json``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from copilot.core.context import AppContext
from copilot.core.settings import Settings
from copilot.core.store.repo import admin, people, tickets
from copilot.demo.generator import GenerationSummary


class Examples(BaseModel):
    account_id: str | None
    """A key customer with an active contract."""
    contact_id: str | None
    """A contact of a customer who allows e-mail marketing (gets an upsell)."""
    ticket_id: str | None = None
    """An open support ticket (gets a suggested reply)."""
    blocked_contact_id: str | None
    """A contact who withdrew e-mail marketing consent."""


class Section(BaseModel):
    title: str
    text: str
    data: dict[str, Any] = {}


class DemoResult(BaseModel):
    loaded: dict[str, int] | None
    store: dict[str, int]
    examples: Examples
    sections: list[Section]
    urls: dict[str, str] = {}
    """What to open in a browser after `polku serve` (development keys)."""


SECTIONS: list[Callable[[AppContext, Examples], Section]] = []


def pick_examples(ctx: AppContext) -> Examples:
    from datetime import date

    with ctx.db.session() as session:
        account = people.active_customer(session)
        ok = people.contacts_where(session, language="fi", customer=True, today=date.today(),
                                   consent="email_marketing", limit=1)
        blocked = people.contact_with_consent(session, purpose="email_marketing", status="withdrawn")
        ticket = tickets.first_open(session, account_id=account.id if account else None) or \
            tickets.first_open(session)
        return Examples(
            account_id=account.id if account else None,
            contact_id=ok[0].id if ok else None,
            blocked_contact_id=blocked.id if blocked else None,
            ticket_id=ticket.id if ticket else None,
        )


def run(ctx: AppContext, *, loaded: GenerationSummary | None, progress: bool = True) -> DemoResult:
    import copilot.demo.sections  # noqa: F401  (importing it registers the sections)
    from copilot.demo import vectors
    from retrieval import service as retrieval

    vectors.seed(ctx)  # the demo content's embeddings ship with the package
    retrieval.ingest_store_modules(ctx)  # incremental: embeds only new or changed modules
    examples = pick_examples(ctx)
    with ctx.db.session() as session:
        counts = admin.row_counts(session)
    shown = [section(ctx, examples) for section in SECTIONS]
    return DemoResult(loaded=loaded.rows if loaded else None, store=counts, examples=examples, sections=shown,
                      urls=urls(examples, ctx.settings))


SERVE_PORT = 8000
"""The port `polku serve` listens on unless told otherwise."""


def page_base(settings: Settings) -> tuple[str, bool]:
    """Where to open the pages of a local `polku serve`, and whether the widget may call the API from there.

    The widget's requests carry the page's origin, which must be one of ``POLKU_ALLOWED_ORIGINS``
    (``http://localhost:8000`` by default): a page opened from ``127.0.0.1`` instead is refused.
    """
    for origin in settings.allowed_origins:
        url = urlsplit(origin)
        if url.scheme == "http" and url.hostname in ("localhost", "127.0.0.1") and url.port == SERVE_PORT:
            return origin.rstrip("/"), True
    return f"http://localhost:{SERVE_PORT}", False


def urls(ex: Examples, settings: Settings) -> dict[str, str]:
    """The pages of each surface, with the development API key that `polku serve` accepts."""
    base, widget_allowed = page_base(settings)
    key = "key=dev-admin-key"
    widget = "Website chat widget (demo host page)"
    if not widget_allowed:
        widget += f" (add {base} to POLKU_ALLOWED_ORIGINS first)"
    pages = {
        "API documentation (OpenAPI)": f"{base}/docs",
        "Support sidebar": f"{base}/web/sidebar?account={ex.account_id}&{key}",
        widget: f"{base}/web/widget-demo",
        "Marketer page": f"{base}/web/marketer?{key}",
        "Service health board": f"{base}/web/health?{key}",
    }
    if settings.slack_signing_secret and settings.slack_bot_token:  # only then is the endpoint mounted
        pages["Slack events endpoint (the Slack app's request URL)"] = f"{base}/slack/events"
    return pages


def render(result: DemoResult, console: Any, panel: Any) -> None:
    if result.loaded:
        console.print(
            f"[green]Loaded the demo CRM:[/green] {sum(result.loaded.values()):,} rows "
            f"({result.store.get('accounts', 0):,} accounts, {result.store.get('contacts', 0):,} contacts, "
            f"{result.store.get('content_modules', 0)} content modules)."
        )
    else:
        console.print(f"Using the existing store: {result.store.get('accounts', 0):,} accounts.")
    ex = result.examples
    console.print(
        f"Example people: account {ex.account_id}, contact {ex.contact_id} (e-mail consent), "
        f"contact {ex.blocked_contact_id} (consent withdrawn), ticket {ex.ticket_id}."
    )
    for section in result.sections:
        console.print(panel(section.text, title=section.title, title_align="left"))
    console.print("\nRun [bold]polku serve[/bold] and open:")
    for name, url in result.urls.items():
        console.print(f"  {name}: {url}", soft_wrap=True)
