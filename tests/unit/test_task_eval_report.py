"""The task-eval summary: a rate per split the cases carry, failures of every judging split, partial case folders."""
from pathlib import Path

from evals.tasks.report import summarise
from evals.tasks.runner import CaseResult, load_cases


def _result(id_: str, split: str, ok: bool, lang: str = "fi") -> CaseResult:
    return CaseResult(id=id_, task="visitor", split=split, language=lang, checks={"answered": ok})


def test_every_split_gets_its_own_rate_and_only_dev_failures_are_left_out() -> None:
    s = summarise([_result("a", "dev", False), _result("b", "test", True), _result("c", "test", False),
                   _result("d", "holdout", False, "en"), _result("e", "holdout", True, "en")])
    assert s.split_rates == {"dev": 0.0, "holdout": 0.5, "test": 0.5}
    assert (s.test_pass_rate, s.dev_pass_rate) == (0.5, 0.0)
    assert [r.id for r in s.failures] == ["c", "d"]
    assert str(s.by_check["visitor.answered"]["holdout/en"]) == "1/2 (50%)"


def test_a_sealed_folder_may_hold_only_some_case_files(tmp_path: Path) -> None:
    (tmp_path / "visitor_questions.yaml").write_text(
        '- {id: h1, lang: en, question: "hi?", kind: x, answerable: false, key_facts: [], split: holdout}\n',
        encoding="utf-8")
    assert load_cases(tmp_path) == {"visitor": [{"id": "h1", "lang": "en", "question": "hi?", "kind": "x",
                                                 "answerable": False, "key_facts": [], "split": "holdout"}]}
    assert set(load_cases()) >= {"visitor", "emails", "replies", "briefs", "next_actions"}


def test_a_sealed_report_counts_its_failures_without_listing_them() -> None:
    from datetime import UTC, datetime

    from evals.tasks.report import markdown

    s = summarise([_result("h1", "sealed", False), _result("h2", "sealed", True, "en")])
    sealed = markdown(s, when=datetime(2026, 12, 3, tzinfo=UTC), command="polku eval tasks --cases x", sealed=True)
    assert "sealed split 50.0%" in sealed and "1 cases fail; not listed" in sealed and "h1" not in sealed
    assert "| visitor.answered | 1/2 (50%) | 0/1 (0%) | 1/1 (100%) |" in sealed
    assert "**h1**" in markdown(s, when=datetime(2026, 12, 3, tzinfo=UTC))  # the in-repo report lists them
