"""Ranking of account history items: relevance blended with recency (pure, no store)."""

from __future__ import annotations

from datetime import date

from copilot.core.store.repo.timeline import TimelineRow
from retrieval.history import rank_history

NOW = date(2025, 6, 1)
ROWS = [
    TimelineRow("ticket", "tk-1", date(2025, 5, 30), "Login fails", "Ticket tk-1: login fails after update"),
    TimelineRow("order", "or-1", date(2024, 1, 5), "Order Flow", "Order or-1: Flow licences, 4000 EUR"),
    TimelineRow("ticket", "tk-2", date(2023, 2, 1), "Payroll export", "Ticket tk-2: payroll export broken"),
]


def test_without_a_query_newest_first():
    items = rank_history(ROWS, account_id="acc-1", query="", k=3, now=NOW)
    assert [i.record_id for i in items] == ["tk-1", "or-1", "tk-2"]


def test_relevance_beats_recency_and_ids_are_stable_citations():
    items = rank_history(ROWS, account_id="acc-1", query="payroll export problem", k=2, now=NOW)
    assert items[0].id == "ticket:tk-2" and items[0].account_id == "acc-1"
    assert items[0].day == date(2023, 2, 1) and items[0].text


def test_a_word_every_item_has_counts_less_than_a_rare_one():
    day = date(2025, 5, 1)
    rows = [TimelineRow("order", f"or-{i}", day, "Order Flow", f"Order or-{i}: Flow licences") for i in range(4)]
    rows.append(TimelineRow("ticket", "tk-9", day, "Flow export", "Ticket tk-9: Flow payroll export fails"))
    items = rank_history(rows, account_id="acc-1", query="Flow payroll", k=1, now=NOW)
    assert items[0].record_id == "tk-9"


def test_ranking_embeds_nothing_so_it_is_pure_and_repeatable():
    first = rank_history(ROWS, account_id="acc-1", query="login problem", k=3, now=NOW)
    assert first == rank_history(ROWS, account_id="acc-1", query="login problem", k=3, now=NOW)
    assert first[0].record_id == "tk-1"


def test_the_same_question_twice_is_one_item():
    asked = TimelineRow("message", "cv-1/1", NOW, "sidebar conversation", "user in sidebar conversation: login fails?")
    again = TimelineRow("message", "cv-2/1", NOW, "sidebar conversation", asked.text)
    items = rank_history([asked, again, *ROWS], account_id="acc-1", query="login fails", k=3, now=NOW)
    assert [i.record_id for i in items].count("cv-1/1") + [i.record_id for i in items].count("cv-2/1") == 1
    assert len(items) == 3


def test_two_records_that_read_alike_are_both_kept():
    calls = [TimelineRow("call", f"act-{i}", NOW, "Renewal call", "Call by rep-anna: Renewal call.") for i in (1, 2)]
    items = rank_history([*calls, *ROWS], account_id="acc-1", query="renewal call", k=2, now=NOW)
    assert sorted(i.record_id for i in items) == ["act-1", "act-2"]
