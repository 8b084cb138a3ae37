"""How each surface is driven for real in the conformance matrix: the REST app over a TestClient, the
chat widget with its key and signed tokens, signed Slack requests into the Bolt app, and the `polku`
entry point in-process (Click's test isolation around :func:`copilot.cli.app.run`).

A driver calls one operation as one role and says what the person saw: success, or the refusal's words.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from click.testing import CliRunner
from fastapi.testclient import TestClient
from slack_bolt import App
from sqlalchemy import select

from copilot.core.context import AppContext
from copilot.core.identity import Role
from copilot.core.store.models import AuditLog
from tests.support.api import events, staff, token, widget
from tests.support.slack_env import STRANGER, action, command, signed
from tests.support.slack_mock import SlackMock

STAFF = frozenset({Role.admin, Role.sales, Role.support, Role.marketing})
CUSTOMERS = frozenset({Role.visitor, Role.customer})
SLACK_USERS = {Role.admin: "U0KATJA", Role.sales: "U0ANNA", Role.support: "U0EEVA", Role.marketing: "U0OLLI"}
REPS = {Role.admin: "adm-katja", Role.sales: "rep-anna", Role.support: "sup-eeva", Role.marketing: "mkt-olli"}
"""The demo store's staff, one per role: ``--as`` on the CLI and the Slack user mapping both find them there."""
API_ACTORS = {Role.admin: "admin-1", Role.sales: "rep-anna", Role.support: "support-1", Role.marketing: "marketing-1"}
"""Who each test API key acts as (tests.support.api.write_keys)."""
QUESTION = "What does Kaarna HR Core cost?"


@dataclass
class World:
    """One store, one API app, one Slack app, shared by the whole matrix."""

    ctx: AppContext
    api: TestClient
    slack: App
    mock: SlackMock
    ids: dict[str, str]
    since: set[str] = field(default_factory=set)
    """Audit ids before the call under test."""
    _trigger: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def fill(self, value: Any, extra: dict[str, str] | None = None) -> Any:
        """Put the store's ids (``{account}``, ``{contact}``…) into a path, body or argument list."""
        names = {**self.ids, **(extra or {})}
        if isinstance(value, str):
            return value.format(**names)
        if isinstance(value, dict):
            return {k: self.fill(v, extra) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v, extra) for v in value]
        return value

    def slack_send(self, body: str) -> str:
        """Dispatch one signed form post; the ack's text."""
        response = self.slack.dispatch(signed(body, "application/x-www-form-urlencoded"))
        assert response.status == 200, (response.status, response.body)
        text = response.body or ""
        return str(json.loads(text).get("text", "")) if text.startswith("{") else text

    def trigger(self) -> str:
        return f"trig-conf-{next(self._trigger)}"

    def audit_ids(self) -> set[str]:
        with self.ctx.db.session() as s:
            return set(s.scalars(select(AuditLog.id)))

    def mark(self) -> None:
        """What a driver prepared (an answer to rate, an output to log) is not the call under test."""
        self.since = self.audit_ids()


@dataclass
class Outcome:
    ok: bool
    reason: str = ""
    """The refusal as the person read it (empty on success)."""
    shown: str = ""
    """What came back, for failure messages."""


class Driver(Protocol):
    @property
    def roles(self) -> frozenset[Role]:
        """The roles this surface can be asked in, for this operation."""
        ...

    def call(self, w: World, role: Role) -> Outcome: ...

    def outsider(self, w: World, role: Role) -> Outcome:
        """The nearest thing a role the surface cannot represent could send: it must be refused."""
        ...


# --- REST, the widget and the web pages ---------------------------------------------------------------


def _rest_outcome(r: Any) -> Outcome:
    if r.status_code < 300:
        return Outcome(ok=True, shown=r.text[:300])
    body = r.json()
    assert r.status_code in (401, 403), (r.status_code, r.text)  # anything else is not a refusal but a bug
    return Outcome(ok=False, reason=body["error"]["message"], shown=r.text[:300])


@dataclass(frozen=True)
class Rest:
    method: str
    path: str
    body: dict[str, Any] | None = None
    idempotent: bool = False
    roles: frozenset[Role] = STAFF

    def _send(self, w: World, headers: dict[str, str], extra: dict[str, str]) -> Any:
        if self.idempotent:
            headers = {**headers, "Idempotency-Key": w.trigger()}
        return w.api.request(self.method, w.fill(self.path, extra), json=w.fill(self.body, extra), headers=headers)

    def _extra(self, w: World, role: Role) -> dict[str, str]:
        if "{own_answer}" not in json.dumps(self.body or {}):
            return {}
        # Only whoever an answer was written for may rate it: rate one's own.
        r = w.api.post("/v1/ask", json={"question": QUESTION}, headers=staff(role.value))
        own = r.json()["provenance"]["audit_id"] if r.status_code == 200 else "aud-none"
        w.mark()
        return {"own_answer": own}

    def call(self, w: World, role: Role) -> Outcome:
        return _rest_outcome(self._send(w, staff(role.value), self._extra(w, role)))

    def outsider(self, w: World, role: Role) -> Outcome:
        headers = widget(token(w.ids["customer"]) if role is Role.customer else None)
        return _rest_outcome(self._send(w, headers, {"own_answer": "aud-none"}))


@dataclass(frozen=True)
class JobRest(Rest):
    """A route that starts a job (202): the call ends when the job's event stream says it is done, so its
    audit rows are there to compare (a job runs on the server's own thread without a broker)."""

    def call(self, w: World, role: Role) -> Outcome:
        r = self._send(w, staff(role.value), {})
        if r.status_code == 202:
            stream = w.api.get(f"/v1/jobs/{r.json()['id']}/events", headers=staff(role.value))
            kind, data = events(stream.text)[-1]
            assert kind == "done", (kind, data)
        return _rest_outcome(r)


@dataclass(frozen=True)
class Stream:
    """A web page's streamed route: refused at the gate (a JSON error), or an ``error`` event from inside."""

    path: str
    body: dict[str, Any]
    roles: frozenset[Role] = STAFF

    def _outcome(self, r: Any) -> Outcome:
        if r.status_code != 200:
            return _rest_outcome(r)
        kind, data = events(r.text)[-1]
        if kind == "error":
            assert data["error"]["code"] == "forbidden", data
            return Outcome(ok=False, reason=data["error"]["message"], shown=r.text[-300:])
        assert kind == "done", r.text[-300:]
        return Outcome(ok=True, shown=r.text[-300:])

    def call(self, w: World, role: Role) -> Outcome:
        return self._outcome(w.api.post(self.path, json=w.fill(self.body), headers=staff(role.value)))

    def outsider(self, w: World, role: Role) -> Outcome:
        headers = widget(token(w.ids["customer"]) if role is Role.customer else None)
        return self._outcome(w.api.post(self.path, json=w.fill(self.body), headers=headers))


@dataclass(frozen=True)
class WidgetAsk:
    roles: frozenset[Role] = CUSTOMERS

    def call(self, w: World, role: Role) -> Outcome:
        headers = widget(token(w.ids["customer"]) if role is Role.customer else None)
        return _rest_outcome(w.api.post("/v1/widget/ask", json={"question": QUESTION}, headers=headers))

    def outsider(self, w: World, role: Role) -> Outcome:
        headers = {**staff(role.value), "Origin": widget()["Origin"]}
        return _rest_outcome(w.api.post("/v1/widget/ask", json={"question": QUESTION}, headers=headers))


# --- Slack ----------------------------------------------------------------------------------------------

NOT_MAPPED_HINT = "not mapped to a Polku user"


def _reply(w: World) -> dict[str, Any]:
    return w.mock.wait_for("chat.postEphemeral")[0]


def _slack_outcome(reply: dict[str, Any]) -> Outcome:
    text = str(reply.get("text", ""))
    if text.startswith("⚠️"):
        return Outcome(ok=False, reason=text.removeprefix("⚠️").strip(), shown=text)
    return Outcome(ok=True, shown=json.dumps(reply.get("blocks"), ensure_ascii=False)[:300])


def _slack_command(w: World, text: str, user: str) -> tuple[str, dict[str, Any] | None]:
    """Run `/polku text` as ``user``: the ack, and the private reply (None when the ack said no)."""
    w.mock.reset()
    ack = w.slack_send(command(text, user=user, response_url=w.mock.response_url()))
    if "Working on" not in ack:
        return ack, None
    return ack, _reply(w)


def _buttons(reply: dict[str, Any]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in reply.get("blocks", []) if b.get("type") == "actions"
            for e in b["elements"]}


@dataclass(frozen=True)
class SlackCommand:
    text: str
    roles: frozenset[Role] = STAFF

    def call(self, w: World, role: Role) -> Outcome:
        ack, reply = _slack_command(w, w.fill(self.text), SLACK_USERS[role])
        assert reply is not None, ack
        return _slack_outcome(reply)

    def outsider(self, w: World, role: Role) -> Outcome:
        ack, reply = _slack_command(w, w.fill(self.text), STRANGER)
        return Outcome(ok=reply is not None, reason=ack, shown=ack)


def _click(w: World, action_id: str, value: str, user: str) -> None:
    w.mock.reset()
    w.slack_send(action(action_id, value, user=user, trigger_id=w.trigger()))


def _said(w: World) -> Outcome:
    text = str(_reply(w).get("text", ""))
    return Outcome(ok=False, reason=text, shown=text)


@dataclass(frozen=True)
class SlackAction:
    """A button that carries a job (Regenerate, Variant): whoever clicks it runs the job as themselves."""

    action_id: str
    job: dict[str, str]
    roles: frozenset[Role] = STAFF

    def call(self, w: World, role: Role) -> Outcome:
        _click(w, self.action_id, json.dumps(w.fill(self.job)), SLACK_USERS[role])
        return _slack_outcome(_reply(w))

    def outsider(self, w: World, role: Role) -> Outcome:
        _click(w, self.action_id, json.dumps(w.fill(self.job)), STRANGER)
        return _said(w)


@dataclass(frozen=True)
class SlackRated:
    """👍 on an answer of one's own (only whoever an answer was written for may rate it)."""

    roles: frozenset[Role] = STAFF

    def call(self, w: World, role: Role) -> Outcome:
        _, reply = _slack_command(w, f"ask {QUESTION}", SLACK_USERS[role])
        own = _buttons(reply or {}).get("polku_feedback_up", "aud-none")
        w.mark()
        _click(w, "polku_feedback_up", own, SLACK_USERS[role])
        text = str(_reply(w).get("text", ""))
        return Outcome(ok=text.startswith("Thanks"), reason=text.removeprefix("⚠️").strip(), shown=text)

    def outsider(self, w: World, role: Role) -> Outcome:
        _click(w, "polku_feedback_up", "aud-none", STRANGER)
        return _said(w)


@dataclass(frozen=True)
class SlackLogToCrm:
    """"Log to CRM" under an output of one's own: the write's preview opens in a modal, or a refusal."""

    roles: frozenset[Role] = STAFF

    def call(self, w: World, role: Role) -> Outcome:
        user = SLACK_USERS[role]
        # Something of one's own to log: a brief, or for marketing (no briefs) an e-mail draft.
        text = w.fill("draft {contact} nurture" if role is Role.marketing else "brief {account} en")
        _, reply = _slack_command(w, text, user)
        ref = _buttons(reply or {})["polku_log_crm"]
        w.mark()
        _click(w, "polku_log_crm", ref, user)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if w.mock.of("views.open"):
                return Outcome(ok=True, shown="views.open")
            if w.mock.of("chat.postEphemeral"):
                return _slack_outcome(w.mock.of("chat.postEphemeral")[0])
            time.sleep(0.05)
        raise AssertionError(f"Log to CRM answered nothing: {w.mock.methods()}")

    def outsider(self, w: World, role: Role) -> Outcome:
        _click(w, "polku_log_crm", "aud-none", STRANGER)
        return _said(w)


# --- the command line -----------------------------------------------------------------------------------


@contextmanager
def _argv(args: list[str]) -> Iterator[None]:
    old, sys.argv = sys.argv, ["polku", *args]
    try:
        yield
    finally:
        sys.argv = old


def polku(args: list[str]) -> tuple[int, str, str]:
    """The real entry point (`copilot.cli.run`: Typer's parsing, one-line errors, exit codes), in-process."""
    from copilot.cli import run

    with CliRunner().isolation() as (out, err, _), _argv(args):
        try:
            run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()  # the isolation's text wrappers buffer
        sys.stderr.flush()
    return code, out.getvalue().decode(), err.getvalue().decode()


@dataclass(frozen=True)
class Cli:
    args: list[str]
    roles: frozenset[Role] = STAFF
    """Commands with ``--as`` act as any staff member; the others as the console's admin only."""

    @property
    def takes_as(self) -> bool:
        return len(self.roles & STAFF) > 1

    def _who(self, w: World, role: Role) -> list[str]:
        if role is Role.visitor:
            return ["--visitor"]
        if role is Role.customer:
            return ["--contact", w.ids["customer"], "--surface", "widget"]
        return ["--as", REPS[role]] if self.takes_as else []

    def _run(self, args: list[str]) -> Outcome:
        code, out, err = polku([*args, "--json"])
        if code == 0:
            return Outcome(ok=True, shown=out[:300])
        shown = f"exit {code}: {err.strip()[:300]}"
        if code == 1 and out.startswith('{"error"'):
            error = json.loads(out)["error"]
            if error["code"] == "forbidden":
                assert err.strip() == "error: " + error["message"], err  # the one line the person reads
                return Outcome(ok=False, reason=error["message"], shown=shown)
        return Outcome(ok=False, reason=err.strip(), shown=shown)

    def call(self, w: World, role: Role) -> Outcome:
        outcome = self._run(w.fill(self.args) + self._who(w, role))
        if not outcome.ok:
            assert outcome.reason, outcome.shown
        return outcome

    def outsider(self, w: World, role: Role) -> Outcome:
        # Nobody can pose as a role the command cannot act as: a customer is no staff member, and a
        # command without --as does not take one.
        ident = w.ids["customer"] if role in CUSTOMERS else REPS[role]
        extra = ["--visitor"] if Role.visitor in self.roles else []
        return self._run(w.fill(self.args) + extra + ["--as", ident])
