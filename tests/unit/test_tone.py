"""Whether a customer's message reads upset, in Finnish and English."""

import pytest

from copilot.writing.tone import signs, upset


@pytest.mark.parametrize(("text", "expected"), [
    ("EI PÄÄSE SISÄÄN!!! Tunnukset on oikein.", True),  # shouting and marks
    ("Kolmas kerta tällä viikolla. Korjatkaa heti.", True),
    ("This is the third time the export fails. Unacceptable.", True),
    ("How do I export the turnover report to Excel?", False),
    ("The SSO login fails again for HR staff.", False),  # one sign (and an acronym is no shouting)
    ("Miten lomake lähtee tulokkaalle?", False),
])
def test_an_upset_message_shows_two_signs_or_more(text: str, expected: bool) -> None:
    assert upset(text) is expected


def test_each_kind_of_sign_counts_a_limited_number_of_times() -> None:
    assert signs("again again again again") == 2
    assert signs("Why?? Why?!") == 1
