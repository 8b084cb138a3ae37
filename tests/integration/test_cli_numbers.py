"""The numbers as a rep and a marketer read them on the command line: next actions from the one localised
function, the funnel by period, A/B results in plain words, a plan from the store's own history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.test_cli import polku


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-numbers")
    assert polku("demo", "--accounts", "200", "--json", data_dir=path).returncode == 0
    return path


def test_next_actions_on_the_command_line_are_the_worded_ones(data_dir: Path) -> None:
    fi = json.loads(polku("next-actions", "--owner", "rep-anna", "--json", data_dir=data_dir).stdout)
    assert fi["language"] == "fi" and fi["lines"] and len(fi["lines"]) <= 10
    assert "toimenpide" in fi["summary"] and "Anna Virtanen" in "".join(fi["lines"])
    assert not any("rep-anna" in line or "acc-" in line for line in fi["lines"])
    en = polku("next-actions", "--owner", "rep-anna", "--lang", "en", data_dir=data_dir).stdout
    assert "Owner: Anna Virtanen" in en and "action" in en


def test_funnel_by_period_and_a_bad_period(data_dir: Path) -> None:
    year = datetime.now(UTC).year - 1  # the demo's campaigns ran monthly over the last two years
    report = json.loads(polku("funnel", "--period", str(year), "--by", "campaign", "--json", data_dir=data_dir).stdout)
    assert report["rows"] and all(f"{year}/" in r["label"] for r in report["rows"])  # started that year
    assert not any(r["label"].startswith("cmp-") for r in report["rows"])
    bad = polku("funnel", "--period", f"{year}-13", data_dir=data_dir)
    assert bad.returncode == 1 and "period" in bad.stderr and "Traceback" not in bad.stderr


def test_ab_and_plan_say_what_they_mean(data_dir: Path) -> None:
    ab = polku("ab", "analyze", "--control", "1000/50", "--variant", "1000/70", "--daily", "100", data_dir=data_dir)
    text = " ".join(ab.stdout.split())
    assert "+2.0 percentage points (+40% relative)" in text and "Not yet significant" in text and "more days" in text
    plan = json.loads(polku("plan", "--json", data_dir=data_dir).stdout)
    assert plan["leads"] > 0 and {a["name"] for a in plan["allocation"]} <= {
        "email", "linkedin", "google_ads", "events", "webinar", "content"}
    assert "book" not in plan["sources"]["win rate"]
