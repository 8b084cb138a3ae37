"""A brief's timeline in the reader's words: CRM notes quoted as their writer put them."""

from __future__ import annotations

from datetime import date

import pytest

from copilot.tasks.brief import _item
from prompts import templates
from retrieval.models import HistoryItem


@pytest.mark.parametrize(("title", "lang", "expected"), [
    ("Puhelu: käytiin läpi käyttöönoton tilanne", "fi", "puhelu: ”käytiin läpi käyttöönoton tilanne”"),
    ("Puhelu: käytiin läpi käyttöönoton tilanne", "en", 'call: "käytiin läpi käyttöönoton tilanne"'),
    ("Call: went through the rollout status", "fi", "puhelu: ”went through the rollout status”"),
    ("Asiakas kysyi: onko Insight valmis?", "en", 'call: "Asiakas kysyi: onko Insight valmis?"'),  # not a kind
])
def test_a_crm_note_is_quoted_as_written_without_repeating_its_kind(title: str, lang: str, expected: str) -> None:
    item = HistoryItem(id="activity:a-1", account_id="acc-1", kind="call", record_id="a-1", day=date(2026, 5, 5),
                       title=title, text=title)
    assert _item(templates("brief", lang), item, lang) == expected
