"""Which words of a ticket say what it is about: a person named in it, or that a problem goes on, say nothing
of which problem it is; a subject in Title Case still names its problem."""

from __future__ import annotations

from copilot.tasks.reply import _no_given_names, _unnamed, _weights


def _kept(weights: dict) -> set[str]:  # type: ignore[type-arg]
    return {w.raw for w, v in weights.items() if v}


def test_a_given_name_is_a_person_not_a_topic() -> None:
    body = "Our new team leader Anna started on the 1st. Her predecessor Jari still sees everything."
    kept = _kept(_unnamed(_weights(body, "en"), body))
    assert not {"anna", "jari"} & kept
    assert {"leader", "predecessor"} <= kept
    assert "sari" not in _kept(_no_given_names(_weights("Sari ei näe omaa porukkaansa", "fi")))


def test_a_title_case_subject_keeps_its_topic_words() -> None:
    assert {"excel", "export"} <= _kept(_no_given_names(_weights("Help With Excel Export", "en")))


def test_that_a_problem_goes_on_tells_none_apart() -> None:
    for subject, lang, still in (("Vanha esimies näkee yhä tiedot", "fi", "yha"),
                                 ("Raportti näyttää edelleen vanhaa", "fi", "edelleen"),
                                 ("Export still broken again", "en", "again")):
        weights = {w.raw: v for w, v in _weights(subject, lang).items()}
        assert weights[still] == 0.0, subject  # found among the subject's words, and weighing nothing
        assert max(weights.values()) > 0.0, subject  # while the problem's own words still count
