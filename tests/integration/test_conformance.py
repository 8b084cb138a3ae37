"""The conformance matrix: every permission × every surface × every role gets the same allow or deny, in
the same words, and allowed outputs the same audit record naming the surface that asked.

The cases are generated from the role table (``PERMISSIONS``) and the registry of what each surface
offers (:mod:`tests.support.conformance`); guard tests fail when a permission, a REST or web route, a Slack
subcommand or button, or a `polku` command is missing from the registry, so nothing new can skip it.
Real parts throughout: the REST app over a TestClient, signed requests into the Bolt app, the `polku`
entry point; one cloned demo store for the whole module (the matrix writes audit rows, consents, tiers).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import typer.main
from pydantic import SecretStr
from slack_sdk import WebClient
from sqlalchemy import select

from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.identity import Actor, Role
from copilot.core.permissions import PERMISSIONS, Perm, allowed, require
from copilot.core.settings import Settings
from copilot.core.store import models as m
from copilot.core.store.repo import people
from integrations.slack import blocks as bk
from integrations.slack import build_slack_app
from integrations.slack.jobs import Kind
from tests.conftest import NOW
from tests.support.api import client, clone_data, customers, derived_ctx
from tests.support.conformance import (
    CLI_COMMANDS,
    OPERATOR_COMMANDS,
    ROLES,
    SLACK_ROUTES,
    SURFACE_VALUE,
    SURFACES,
    NotOffered,
    Offer,
)
from tests.support.conformance_drivers import API_ACTORS, CUSTOMERS, QUESTION, REPS, STAFF, Cli, World
from tests.support.slack_env import SECRET
from tests.support.slack_mock import SlackMock

CLI_MODULES = ("app", "tasks", "scores", "trust", "retrieval")


@pytest.fixture(scope="module")
def world(demo_ctx, tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("conformance")
    base = AppContext.create(Settings(data_dir=clone_data(demo_ctx, tmp / "data"), _env_file=None))  # type: ignore[call-arg]
    api_ctx = derived_ctx(base, tmp)
    slack_ctx = derived_ctx(base, tmp, slack_signing_secret=SecretStr(SECRET), slack_bot_token=SecretStr("xoxb-t"))
    mock = SlackMock()
    slack = build_slack_app(slack_ctx, client=WebClient(token="xoxb-t", base_url=mock.base_url), now=lambda: NOW)
    with api_ctx.db.session() as s:
        contact = people.contact_with_consent(s, purpose="email_marketing", status="granted", language="en")
        ticket = s.scalars(select(m.Ticket.id).where(m.Ticket.status == "open").order_by(m.Ticket.id)).first()
        assert contact is not None and ticket is not None
        (customer, account, _), (spare, _, _) = customers(api_ctx, 2)
    ids = {"account": account, "contact": contact.id, "ticket": ticket, "customer": customer, "spare": spare,
           "out": str(tmp / "campaign.csv")}
    # The command line opens its context from the settings; here it gets the module's store instead.
    patch = pytest.MonkeyPatch()
    for name in CLI_MODULES:
        patch.setattr(importlib.import_module(f"copilot.cli.{name}"), "context", lambda: api_ctx)
    try:
        yield World(ctx=api_ctx, api=client(api_ctx), slack=slack, mock=mock, ids=ids)
    finally:
        patch.undo()
        mock.close()


# --- what each surface really routes ---------------------------------------------------------------------


def _gate(route: Any) -> Perm | None:
    """The permission a route's actor dependency checks (``integrations.api.deps.require``)."""
    for dep in route.dependant.dependencies:
        if dep.call.__name__ == "widget_actor":
            return Perm.widget
        if dep.call.__name__ == "staff_actor":
            return inspect.getclosurevars(dep.call).nonlocals["perm"]
    return None


def _flat(routes: list[Any]) -> Iterator[Any]:
    """Every route, also those of included routers (FastAPI ≥ 0.165 keeps an included router whole)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _flat(included.routes) if included is not None else [route]


def _http_routes(w: World) -> dict[str, set[Perm]]:
    """Permissions behind the app's routes, by the surface they belong to."""
    out: dict[str, set[Perm]] = {"api": set(), "widget": set(), "sidebar": set(), "marketer": set()}
    for route in _flat(w.api.app.routes):  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        perm = _gate(route) if hasattr(route, "dependant") else None
        if path.startswith("/v1/widget/"):
            surface = "widget"
        elif path.startswith("/web/api/sidebar"):
            surface = "sidebar"
        elif path.startswith("/web/api/campaign"):
            surface = "marketer"
        elif path.startswith("/web/api/"):
            raise AssertionError(f"{path}: a web route of no surface in the registry")
        else:
            surface = "api"
        if perm is not None:
            out[surface].add(perm)
        else:  # every route that does work checks a permission; only these need none
            assert path.startswith(("/web/", "/healthz", "/readyz", "/openapi", "/docs", "/redoc")), path
    return out


def _cli_commands() -> dict[str, Any]:
    """Every `polku` command by its words (``draft email``); Typer carries its own Click, so by duck type."""
    found: dict[str, Any] = {}

    def walk(group: Any, prefix: str) -> None:
        for name, cmd in group.commands.items():
            path = f"{prefix} {name}".strip()
            if hasattr(cmd, "commands"):
                walk(cmd, path)
            else:
                found[path] = cmd

    import copilot.cli

    walk(typer.main.get_command(copilot.cli.app), "")
    return found


def routed(w: World, surface: str) -> set[Perm]:
    if surface == "slack":
        return {p for p in SLACK_ROUTES.values() if p is not None}
    if surface == "cli":
        return {p for perms in CLI_COMMANDS.values() for p in perms}
    return _http_routes(w)[surface]


def test_every_permission_has_an_entry_for_every_surface() -> None:
    assert set(SURFACES) == set(SURFACE_VALUE)
    for surface, entries in SURFACES.items():
        assert set(entries) == set(PERMISSIONS), f"{surface}: no entry for {set(PERMISSIONS) - set(entries)}"


def test_the_registry_says_what_each_surface_really_routes(world: World) -> None:
    for surface, entries in SURFACES.items():
        offered = {p for p, e in entries.items() if isinstance(e, Offer)}
        assert offered == routed(world, surface), surface


def test_every_slack_subcommand_and_button_is_registered() -> None:
    actions = {getattr(bk, n) for n in dir(bk) if n.startswith(("ACTION_", "VIEW_"))}
    assert set(get_args(Kind)) | actions == set(SLACK_ROUTES)


def test_every_cli_command_is_registered_and_the_ones_that_act_for_someone_take_as() -> None:
    commands = _cli_commands()
    assert set(commands) == set(CLI_COMMANDS) | OPERATOR_COMMANDS
    for perm, entry in SURFACES["cli"].items():
        if isinstance(entry, Offer):
            assert isinstance(entry.driver, Cli)
            args = entry.driver.args
            path = next(p for p in commands if args[: len(p.split())] == p.split())
            takes = any("--as" in getattr(p, "opts", ()) for p in commands[path].params)
            assert takes == entry.driver.takes_as or perm is Perm.widget, perm


# --- the matrix -------------------------------------------------------------------------------------------


def _refusal(role: Role, perm: Perm) -> str:
    with pytest.raises(PolkuError) as caught:
        require(Actor(id="x", role=role), perm)
    return caught.value.message


def _rows(w: World, ids: set[str]) -> list[m.AuditLog]:
    with w.ctx.db.session() as s:
        rows = list(s.scalars(select(m.AuditLog).where(m.AuditLog.id.in_(ids))))
        s.expunge_all()
        return rows


def _shape(row: m.AuditLog) -> tuple[Any, ...]:
    """What must be the same whichever surface asked: the task, its subject, basis, outcome and record."""
    return (row.task, row.outcome, row.engine, row.purpose, row.lawful_basis, row.account_id, row.contact_id,
            tuple(sorted(row.details or {})))


def _actor_of(w: World, surface: str, entry: Offer, role: Role) -> str:
    if role is Role.customer:
        return f"customer:{w.ids['customer']}"
    if role is Role.visitor:
        return "visitor" if surface == "cli" else "visitor:"
    if surface in ("api", "sidebar", "marketer"):
        return API_ACTORS[role]
    if surface == "cli" and not (isinstance(entry.driver, Cli) and entry.driver.takes_as):
        return "cli"
    return REPS[role]


_REFERENCE: dict[tuple[Perm, Role], list[tuple[Any, ...]]] = {}


def _reference(w: World, perm: Perm, role: Role) -> list[tuple[Any, ...]]:
    """The audit shape of the service called directly (no surface at all), once per permission and role."""
    from copilot.tasks import ask, brief, campaign, email, reply, variants

    key = (perm, role)
    if key in _REFERENCE:
        return _REFERENCE[key]
    ids = w.ids
    me = Actor(id="reference", role=role, contact_id=ids["customer"] if role is Role.customer else None)
    before = w.audit_ids()
    calls = {
        Perm.ask: lambda: ask.ask(w.ctx, ask.AskRequest(question=QUESTION), actor=me, now=NOW),
        Perm.widget: lambda: ask.ask(w.ctx, ask.AskRequest(question=QUESTION), actor=me, now=NOW),
        Perm.brief: lambda: brief.brief(w.ctx, ids["account"], actor=me, language="en", now=NOW),
        Perm.email_draft: lambda: email.draft_email(w.ctx, email.EmailRequest(contact_id=ids["contact"]), actor=me,
                                                    now=NOW),
        Perm.variants: lambda: variants.variants(
            w.ctx, variants.VariantRequest(contact_id=ids["contact"], element="subject", n=1), actor=me, now=NOW),
        Perm.reply: lambda: reply.suggest_reply(w.ctx, ids["ticket"], actor=me, now=NOW),
        Perm.campaign: lambda: campaign.campaign(
            w.ctx, campaign.CampaignRequest(segment="all", limit=2, out=Path(ids["out"] + ".ref.csv")), actor=me,
            now=NOW),
    }
    calls[perm]()
    _REFERENCE[key] = sorted(_shape(r) for r in _rows(w, w.audit_ids() - before))
    return _REFERENCE[key]


OFFERED = [(s, p, r) for s, entries in SURFACES.items() for p, e in entries.items() if isinstance(e, Offer)
           for r in ROLES]
NOT_OFFERED = [(s, p) for s, entries in SURFACES.items() for p, e in entries.items() if isinstance(e, NotOffered)]


@pytest.mark.parametrize(("surface", "perm", "role"), OFFERED,
                         ids=[f"{s}-{p.value}-{r.value}" for s, p, r in OFFERED])
def test_same_decision_words_and_audit_on_every_surface(world: World, surface: str, perm: Perm,
                                                        role: Role) -> None:
    entry = SURFACES[surface][perm]
    assert isinstance(entry, Offer)
    world.mark()
    if role not in entry.driver.roles:
        outcome = entry.driver.outsider(world, role)
        assert not outcome.ok, f"{surface} let a {role} it cannot identify use {perm}: {outcome.shown}"
        assert world.audit_ids() == world.since
        return
    outcome = entry.driver.call(world, role)
    if not allowed(role, perm):
        assert not outcome.ok, f"{surface} let {role} use {perm}: {outcome.shown}"
        assert outcome.reason == _refusal(role, perm), outcome.shown  # the same words on every surface
        assert world.audit_ids() == world.since  # refused before any work: nothing written
        return
    assert outcome.ok, f"{surface} refused {role} {perm}: {outcome.reason or outcome.shown}"
    if entry.audited:
        rows = _rows(world, world.audit_ids() - world.since)
        assert rows, f"{surface} wrote no audit row for {perm}"
        who = _actor_of(world, surface, entry, role)
        for row in rows:
            assert row.surface == SURFACE_VALUE[surface], (row.surface, row.task)
            assert row.actor == who or (who == "visitor:" and row.actor.startswith(who)), row.actor
        assert sorted(_shape(r) for r in rows) == _reference(world, perm, role)


@pytest.mark.parametrize(("surface", "perm"), NOT_OFFERED, ids=[f"{s}-{p.value}" for s, p in NOT_OFFERED])
def test_a_surface_does_not_route_what_it_does_not_offer(world: World, surface: str, perm: Perm) -> None:
    assert perm not in routed(world, surface), f"{surface} routes {perm} but the registry says no"


def test_the_slack_support_draft_is_refused_with_the_words_of_rest(world: World) -> None:
    rest = SURFACES["api"][Perm.email_draft]
    slack = SURFACES["slack"][Perm.email_draft]
    assert isinstance(rest, Offer) and isinstance(slack, Offer)
    over_rest, over_slack = rest.driver.call(world, Role.support), slack.driver.call(world, Role.support)
    assert not over_rest.ok and not over_slack.ok
    assert over_slack.reason == over_rest.reason == "role support may not use email.draft"


def test_each_role_is_someone_on_some_surface() -> None:
    """No role of the table is unreachable: staff on every staff surface, customers and visitors in the widget."""
    for role in ROLES:
        surfaces = {s for s, p, r in OFFERED if r is role and role in SURFACES[s][p].driver.roles}  # type: ignore[union-attr]
        assert surfaces >= ({"api", "slack", "cli", "sidebar", "marketer"} if role in STAFF else {"widget", "cli"}), (
            role, surfaces)
    assert set(ROLES) == CUSTOMERS | STAFF
