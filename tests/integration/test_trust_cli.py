"""The trust commands as a user runs them (in-process): consent, dsar, retention, audit, all with --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copilot.cli import app
from copilot.core.context import AppContext
from copilot.core.errors import PolkuError
from copilot.core.settings import Settings
from copilot.core.store import models as m


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POLKU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("POLKU_DATABASE_URL", raising=False)
    ctx = AppContext.create(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    with ctx.db.session() as s:
        s.add(m.Account(id="acc-1", name="Kivi Oy", industry="retail", size="small", employees=40, owner="rep-anna"))
        s.flush()
        s.add(m.Contact(id="con-1", account_id="acc-1", first_name="Aino", last_name="Kivi", email="aino@kivi.example",
                        title="CEO", persona="ceo", owner="rep-anna"))
    return tmp_path


def _run(*args: str) -> dict | list:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_consent_dsar_retention_and_audit_commands(data_dir: Path) -> None:
    _run("consent", "set", "--contact", "con-1", "--purpose", "personalisation", "--via", "preference centre",
         "--level", "standard")
    changed = _run("consent", "set", "--contact", "con-1", "--purpose", "personalisation", "--level", "premium")
    assert changed["level"] == "premium" and changed["obtained_via"] == "preference centre"  # type: ignore[call-overload]
    opted = _run("consent", "opt-out", "--contact", "con-1")
    assert opted["withdrawn"] == ["personalisation"]  # type: ignore[call-overload]
    _run("consent", "withdraw", "--contact", "con-1", "--purpose", "newsletter")
    shown = _run("consent", "show", "--contact", "con-1")
    assert {c["purpose"]: c["status"] for c in shown} == {  # type: ignore[index, union-attr]
        "email_marketing": "withdrawn", "newsletter": "withdrawn", "personalisation": "withdrawn",
        "site_tracking": "withdrawn"}
    assert len(_run("consent", "history", "--contact", "con-1")) == 6
    bad = CliRunner().invoke(app, ["consent", "set", "--contact", "con-1", "--purpose", "email_marketing",
                                   "--basis", "contract", "--via", "x"])
    assert bad.exit_code != 0 and "needs lawful basis consent" in str(bad.exception)

    out = data_dir / "aino.json"
    _run("dsar", "export", "--email", "AINO@kivi.example", "--out", str(out))
    assert json.loads(out.read_text())["contact"]["id"] == "con-1"
    assert _run("audit", "--contact", "con-1")["entries"] == []  # type: ignore[call-overload]
    assert _run("retention", "purge", "--dry-run")["days"] == 365  # type: ignore[call-overload]

    refused = CliRunner().invoke(app, ["dsar", "erase", "--contact", "con-1"])
    assert isinstance(refused.exception, PolkuError) and "--yes" in refused.exception.message
    erased = _run("dsar", "erase", "--contact", "con-1", "--yes")
    assert erased["sql"]["contacts.deleted"] == 1 and erased["sql"]["consent_events.deleted"] == 6  # type: ignore[call-overload]
    gone = CliRunner().invoke(app, ["consent", "show", "--contact", "con-1"])
    assert isinstance(gone.exception, PolkuError) and gone.exception.code == "not_found"
