"""Identifiers, redaction, tombstones and audit minimisation: the pure rules of the trust services."""

from __future__ import annotations

from copilot.trust.subject import REDACTED, Identifiers, minimise_audit_details, tombstone_key

P = Identifiers(contact_id="con-000012", email="Aino.Kivi@Kivi.example", first_name="Aino", last_name="Kivi",
                phone="+358 50 111 2233")


def test_tombstone_is_salted_and_ignores_case_and_spaces() -> None:
    key = tombstone_key(" aino.kivi@KIVI.example ", "s1")
    assert key == tombstone_key("Aino.Kivi@kivi.example", "s1") != tombstone_key("aino.kivi@kivi.example", "s2")
    assert len(key) == 64 and "aino" not in key


def test_mentions_and_redaction_cover_every_identifier_form() -> None:
    for text in ("Mail aino.kivi@kivi.example", "Aino  Kivi called", "KIVI, Aino wrote", "ref con-000012",
                 "call 050-111 2233", "call +358501112233"):
        assert P.mentions(text), text
        assert not P.mentions(P.redact(text)), text
    for text in ("con-0000123 is someone else", "Aino Virtanen", "Kivi Oy", "phone 050 999 2233"):
        assert not P.mentions(text), text
    assert P.redact("Aino says hi, Kivi Oy") == "Aino says hi, Kivi Oy"  # single names only in their own rows
    assert P.redact("Aino says hi", own=True) == f"{REDACTED} says hi"
    assert P.redact_json({"a": ["Aino Kivi", 3], "b": None}) == {"a": [REDACTED, 3], "b": None}


def test_minimised_audit_details_keep_kinds_and_counts_not_records() -> None:
    details = {"categories": ["contact_profile"], "sources": ["module:faq.fi", "ticket:tkt-1"],
               "records": ["account:acc-1", "ticket:tkt-1"], "history": ["ticket:tkt-1"], "reason": "consent (form)",
               "goal": "nurture"}
    assert minimise_audit_details(details) == {
        "categories": ["contact_profile"], "sources": ["module:faq.fi"], "goal": "nurture",
        "counts": {"records": 2, "history": 1}, "erased": True}
