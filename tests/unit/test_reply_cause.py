"""The sentence a suggested reply says before the steps: the article's own explanation of the count of people
the ticket is about, and nothing when the ticket's count is of something else."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.engines.composer.reply import cause

GUIDE = Path(__file__).resolve().parents[2] / "copilot" / "demo" / "content" / "help-invoice.en.md"


@pytest.fixture(scope="module")
def invoice_guide() -> str:
    return GUIDE.read_text(encoding="utf-8").split("---", 2)[2]


def test_the_minimum_explains_an_invoice_for_50_users(invoice_guide: str) -> None:
    ticket = "Invoice question. We are 38 people, but our first invoice (KA-2025-1187) is calculated for 50 users."
    assert cause(ticket, invoice_guide) == "The minimum billing is 50 users."


@pytest.mark.parametrize("ticket", [
    "We have 50 employees but the invoice shows 62 users. Why?",  # 50 employees is not the minimum's 50 users
    "Invoice 2025-0412 shows 268 users; we have 241 people.",  # no sentence tells these counts
    "Payday is on 25 April at 16:00, call 040 123 4567.",  # dates, times and phone numbers count nobody
])
def test_a_count_the_guide_does_not_tell_gets_no_sentence(invoice_guide: str, ticket: str) -> None:
    assert cause(ticket, invoice_guide) == ""
