"""The `polku` command as a user runs it: exit codes, one-line errors, --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def polku(*args: str, data_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("POLKU_")}
    full_env.update({"POLKU_DATA_DIR": str(data_dir), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "copilot", *args], capture_output=True, text=True, env=full_env, timeout=900
    )


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"POLKU_ENGINE": "gpt"}, "POLKU_ENGINE"),
        ({"POLKU_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:1/none"}, "cannot use database"),
        ({"POLKU_DATABASE_URL": "nosuchdb://x"}, "cannot use database"),
    ],
)
def test_bad_setting_is_one_line_and_exit_2(tmp_path: Path, env: dict[str, str], needle: str) -> None:
    result = polku("demo", data_dir=tmp_path, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_import_error_is_one_line_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "accounts.jsonl"
    bad.write_text('{"id": "acc-1"}\n')
    result = polku("crm", "import", str(bad), "--json", data_dir=tmp_path / "d")
    assert result.returncode == 1
    assert "accounts.jsonl, row 1, field 'name'" in result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "invalid"


def test_demo_on_an_empty_data_dir(tmp_path: Path) -> None:
    result = polku("demo", "--accounts", "60", "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["loaded"]["accounts"] == 60
    assert body["examples"]["contact_id"]
    # the rep's line beside the draft is in words, not the plan's codes ("why now = company, offer = flow")
    draft = next(s["text"] for s in body["sections"] if s["title"].startswith("Personalised"))
    assert "For the rep: why now: " in draft and " = " not in draft
    again = json.loads(polku("demo", "--json", data_dir=tmp_path).stdout)
    assert again["loaded"] is None and again["store"]["accounts"] == 60


def test_import_takes_rows_that_leave_optional_fields_out_or_empty(tmp_path: Path) -> None:
    account = {"id": "acc-1", "name": "Kallio Data Oy", "industry": "it_services", "size": "small",
               "employees": 30, "owner": "rep-anna"}
    (tmp_path / "accounts.jsonl").write_text(
        json.dumps(account | {"country": "SE"}) + "\n" + json.dumps(account | {"id": "acc-2"}) + "\n")
    (tmp_path / "contacts.csv").write_text(
        "id,account_id,first_name,last_name,email,phone,title,persona,language,owner\n"
        "con-1,acc-2,Aino,Kivi,aino@kallio.example,,CTO,cio,,rep-anna\n")
    result = polku("crm", "import", str(tmp_path / "accounts.jsonl"), str(tmp_path / "contacts.csv"), "--json",
                   data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["inserted"] == 3
