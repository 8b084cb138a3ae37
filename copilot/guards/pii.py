"""PII masking before any text goes to an LLM, and unmasking of the answer.

Presidio's pattern recognisers (e-mail, phone, IBAN, card numbers) run with its no-op NLP engine,
which needs no spaCy model (nothing to download), plus a deny-list recogniser built from the CRM's
contact names. Each distinct value becomes a stable placeholder such as ``<PERSON_1>``; the mapping
stays in this process and turns the placeholders in the model's answer back into the values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "CREDIT_CARD", "PERSON")


@lru_cache(maxsize=8)
def _analyzer(names: tuple[str, ...]) -> Any:
    # Imported here: Presidio takes seconds to import and only the llm engine needs it.
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, IbanRecognizer, PhoneRecognizer

    registry = RecognizerRegistry(supported_languages=["en"])
    # Presidio's own EmailRecognizer validates domains with tldextract, which fetches the public
    # suffix list over the network; a plain pattern is enough to keep addresses away from a model.
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="EMAIL_ADDRESS", patterns=[Pattern("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", 0.9)]
        )
    )
    registry.add_recognizer(PhoneRecognizer(supported_regions=["FI", "SE", "GB", "US", "DE"]))
    registry.add_recognizer(IbanRecognizer())
    registry.add_recognizer(CreditCardRecognizer())
    if names:
        registry.add_recognizer(PatternRecognizer(supported_entity="PERSON", deny_list=list(names)))
    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


@dataclass
class Masker:
    """Masks one conversation's texts consistently and restores the model's answer."""

    names: tuple[str, ...] = ()
    mapping: dict[str, str] = field(default_factory=dict)
    """placeholder -> original value"""

    @classmethod
    def for_names(cls, names: Iterable[str]) -> Masker:
        # Longest first, so "Maria Virtanen" is one placeholder rather than two.
        unique = sorted({n.strip() for n in names if n and len(n.strip()) > 2}, key=len, reverse=True)
        return cls(names=tuple(unique))

    def mask(self, text: str) -> str:
        results = _analyzer(self.names).analyze(text, language="en", entities=list(ENTITIES))
        spans = _non_overlapping(sorted(results, key=lambda r: (r.start, -(r.end - r.start))))
        out, last = [], 0
        for r in spans:
            out.append(text[last : r.start])
            out.append(self._placeholder(r.entity_type, text[r.start : r.end]))
            last = r.end
        out.append(text[last:])
        return "".join(out)

    def unmask(self, text: str) -> str:
        for placeholder, value in self.mapping.items():
            text = text.replace(placeholder, value)
        return text

    def _placeholder(self, entity: str, value: str) -> str:
        for placeholder, known in self.mapping.items():
            if known == value:
                return placeholder
        count = sum(1 for p in self.mapping if p.startswith(f"<{entity}_")) + 1
        placeholder = f"<{entity}_{count}>"
        self.mapping[placeholder] = value
        return placeholder


def _non_overlapping(results: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for r in results:
        if not kept or r.start >= kept[-1].end:
            kept.append(r)
    return kept
