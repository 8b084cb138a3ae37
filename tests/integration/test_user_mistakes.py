"""A user's mistake is never an "internal error": usage mistakes get the usage and exit 2, a language
Polku does not write in is refused by name on the CLI and the API, an llm engine without credentials
hands over to the composer with one warning line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from copilot.core.context import AppContext
from copilot.core.locale import SUPPORTED
from copilot.core.settings import Settings
from integrations.api import create_app

REFUSED_SV = "'sv' is not a supported language; use fi or en"


def polku(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command, without the developer's Polku settings or provider keys."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("POLKU_", "OPENAI_"))}
    full_env.update({"POLKU_DATA_DIR": str(data_dir), **(env or {})})
    return subprocess.run([sys.executable, "-m", "copilot", *args], capture_output=True, text=True, env=full_env,
                          timeout=600)


def _no_internals(result: subprocess.CompletedProcess[str]) -> None:
    both = result.stdout + result.stderr
    assert "internal error" not in both and "Traceback" not in both


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["brief", "--acount", "acc-00017"], "No such option: --acount"),
        (["briefs"], "No such command 'briefs'"),
        (["brief"], "Missing option '--account'"),
        (["brief", "--account"], "Option '--account' requires an argument"),
        (["draft", "email", "--contact", "con-1", "--goal"], "Option '--goal' requires an argument"),
        (["brief", "--account", "acc-00017", "--lang", "sv"], REFUSED_SV),
        (["search", "hinta", "--lang", "sv"], REFUSED_SV),
    ],
)
def test_usage_mistakes_print_the_usage_and_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    result = polku(*args, data_dir=tmp_path)
    _no_internals(result)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Usage:" in result.stderr or "requires an argument" in result.stderr


def _api(tmp_path: Path) -> TestClient:
    ctx = AppContext.create(Settings(data_dir=tmp_path, _env_file=None))  # type: ignore[call-arg]
    return TestClient(create_app(ctx))


def test_the_api_refuses_an_unsupported_language_by_name_in_its_one_error_shape(tmp_path: Path) -> None:
    api = _api(tmp_path)
    staff = {"X-API-Key": "dev-admin-key"}
    widget = {"X-API-Key": "dev-widget-key", "Origin": "http://localhost:8000"}
    calls = [
        api.get("/v1/accounts/acc-00017/brief", params={"language": "sv"}, headers=staff),
        api.get("/v1/next-actions", params={"account_id": "acc-00017", "language": "sv"}, headers=staff),
        api.post("/v1/ask", json={"question": "Mitä HR Core maksaa?", "language": "sv"}, headers=staff),
        api.post("/v1/search", json={"query": "hinta", "filters": {"language": "sv"}}, headers=staff),
        api.post("/v1/search", json={"query": "hinta", "filters": {"language": ["fi", "sv"]}}, headers=staff),
        api.post("/v1/widget/ask", json={"question": "Mitä HR Core maksaa?", "language": "sv"}, headers=widget),
    ]
    for r in calls:
        assert r.status_code == 422, r.request.url
        error = r.json()["error"]
        assert error["code"] == "invalid" and error["message"].endswith(REFUSED_SV), error
    schema = api.get("/openapi.json").json()
    brief = schema["paths"]["/v1/accounts/{account_id}/brief"]["get"]["parameters"]
    assert next(p for p in brief if p["name"] == "language")["schema"]["enum"] == list(SUPPORTED)


def test_an_llm_engine_without_credentials_hands_over_to_the_composer(tmp_path: Path) -> None:
    demo = polku("demo", "--accounts", "20", "--json", data_dir=tmp_path)
    assert demo.returncode == 0, demo.stderr
    contact = json.loads(demo.stdout)["examples"]["contact_id"]  # one who allows e-mail marketing
    for args, env in (
        (["draft", "email", "--contact", contact, "--engine", "llm", "--json"], {}),
        (["ask", "Paljonko HR Core maksaa?", "--visitor", "--json"], {"POLKU_ENGINE": "llm"}),
    ):
        result = polku(*args, data_dir=tmp_path, env=env)
        _no_internals(result)
        assert result.returncode == 0, result.stderr
        warning = result.stderr.strip().splitlines()
        assert len(warning) == 1 and warning[0].startswith("warning: the llm engine cannot run, the composer writes")
        assert json.loads(result.stdout)["provenance"]["engine"] == "composer"


def test_serve_with_an_llm_engine_it_cannot_build_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = polku("serve", "--port", "0", data_dir=tmp_path, env={"POLKU_ENGINE": "llm"})
    _no_internals(result)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot build the chat model" in lines[0]
