"""Readable terminal rendering of the copilot's results (rich), shared by the task commands."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from copilot.results import Answer, Blocked, Citation, EmailDraft


def sources(citations: list[Citation]) -> Text:
    text = Text()
    for c in citations:
        text.append(f"[{c.ref}] ", style="bold")
        text.append(f"{c.title}", style="cyan")
        text.append(f"  ({c.location})\n", style="dim")
    return text


def blocked(console: Console, result: Blocked) -> None:
    console.print(Panel(Text(result.reason), title=f"Not written: {result.task}", border_style="red"))


def email(console: Console, d: EmailDraft | Blocked) -> None:
    if isinstance(d, Blocked):
        blocked(console, d)
        return
    body = Text()
    body.append(f"Subject: {d.subject}\n\n", style="bold")
    body.append(d.body + "\n\n")
    body.append(d.transparency + "\n", style="italic")
    console.print(Panel(body, title=f"E-mail draft to {d.contact_id} ({d.goal}, {d.language})", title_align="left"))
    console.print(f"Send: {d.send_time} – {d.send_time_reason}")
    console.print(sources(d.modules))
    console.print(
        f"[dim]Basis: {d.provenance.reason}; data used: {', '.join(d.provenance.categories) or 'none'}; "
        f"engine {d.provenance.engine}; audit {d.provenance.audit_id}[/dim]"
    )


def answer(console: Console, a: Answer | Blocked) -> None:
    if isinstance(a, Blocked):
        blocked(console, a)
        return
    style = "green" if a.known else "yellow"
    console.print(Panel(Text(a.text), title=f"Answer ({a.language})", title_align="left", border_style=style))
    if a.citations:
        console.print(sources(a.citations))
    if a.transparency:
        console.print(f"[italic]{a.transparency}[/italic]")
    if a.handoff:
        console.print("[yellow]Hand-off to a person offered.[/yellow]")


def brief(console: Console, b, explain: bool = False) -> None:
    body = Text()
    for i, s in enumerate(b.sections):
        body.append(("\n" if i else "") + s.text)
        if explain and s.explain:  # how the section's figures were computed
            body.append(f"\n  ↳ {s.explain}", style="dim")
    body.append(f"\n\n→ {b.opening_line}", style="bold green")
    console.print(Panel(body, title=b.title, title_align="left"))
    console.print(f"[dim]audit {b.provenance.audit_id}; sources: {', '.join(h.id for h in b.sources[:6])}[/dim]")


def variants(console: Console, v) -> None:
    from copilot.results import Blocked as _Blocked

    if isinstance(v, _Blocked):
        blocked(console, v)
        return
    for variant in v.variants:
        console.print(f"[bold]{variant.name}[/bold] {v.element}: {variant.elements[v.element]}")
        console.print(f"   [dim]hypothesis: {variant.hypothesis}[/dim]")
    console.print(
        f"Metric: {v.metric}. Sample size: {v.sample_size.per_group} per group "
        f"({len(v.variants)} groups); run at least {v.duration.days} days ({v.duration.reason})."
    )


def reply(console: Console, r) -> None:
    if isinstance(r, Blocked):
        blocked(console, r)
        return
    style = "yellow" if r.escalate else "green"
    console.print(Panel(Text(r.text), title=f"Suggested reply to {r.ticket_id} ({r.language})", title_align="left",
                        border_style=style))
    if r.article is not None:
        console.print(sources([r.article]))
    else:
        console.print("[yellow]No help content fits this ticket: a specialist should take it.[/yellow]")
    console.print(f"[dim]{r.transparency} Audit {r.provenance.audit_id}[/dim]")
