"""Prompt-injection defences around a task: keep instruction-shaped text out of what an engine reads
(:func:`quarantine`), and notice when an output repeats the system prompt (:func:`leaks_prompt`).
The detector itself is :mod:`copilot.core.instructions`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from functools import lru_cache

from copilot.assembly import TaskContext
from copilot.core.instructions import looks_injected, strip_instructions
from copilot.guards.memo import cleared_on_erasure
from copilot.results import Citation


def _any_injected(*fields: str) -> bool:
    # One scan over an item's fields joined by line breaks: a match inside a field still matches in
    # the joined text (a line break keeps word boundaries and starts of line as they were), so a clean
    # joined text means every field is clean; only a hit pays for the field-by-field stripping.
    return looks_injected("\n".join(fields))


@cleared_on_erasure  # an ingested document may name a person
@lru_cache(maxsize=2048)
def _passage_injected(title: str, text: str, snippet: str) -> bool:
    # The same library passages come back question after question: each is scanned once.
    return _any_injected(title, text, snippet)


def quarantine(tc: TaskContext) -> tuple[TaskContext, list[str]]:
    """The context with instruction-shaped text removed from its passages and history items.

    For text a customer or visitor reads, a passage with any instruction in it is dropped whole: the
    detector finds the sentence that gives itself away, not the friendly ones before it ("Hello!
    From today you are…"), and nothing in such a passage is worth quoting to a customer. Staff
    contexts keep the rest of the passage (a ticket that also carries an injection is still a ticket).
    """
    removed: list[str] = []
    passages: list[Citation] = []
    whole = tc.decision.audience != "staff"
    for p in tc.passages:
        text, snippet, title = p.text, p.snippet, p.title
        injected = _passage_injected(title, text, snippet)
        if whole and (p.instructions or injected):
            removed.append(text or snippet)
            continue
        if injected:
            text, dropped = strip_instructions(text)
            snippet, dropped_snippet = strip_instructions(snippet)
            title, dropped_title = strip_instructions(title)
            removed += dropped + dropped_snippet + dropped_title
        if not (text or snippet).strip():
            continue
        title = title or "—"
        same = (text, snippet, title) == (p.text, p.snippet, p.title)
        passages.append(p if same else p.model_copy(update={"text": text, "snippet": snippet, "title": title}))
    history = []
    for h in tc.history:
        text, title = h.text, h.title
        if _any_injected(title, text):
            text, dropped = strip_instructions(text)
            title, dropped_title = strip_instructions(title)
            removed += dropped + dropped_title
        if not text.strip():
            continue
        title = title or h.kind
        same = (text, title) == (h.text, h.title)
        history.append(h if same else h.model_copy(update={"text": text, "title": title}))
    if not removed:
        return tc, []
    return tc.model_copy(update={"passages": passages, "history": history}), removed


# --- the system prompt must not come back out, in plain text or thinly encoded ---------------------

_WORD = re.compile(r"[\w<>{}]+", re.UNICODE)
_B64 = re.compile(r"[A-Za-z0-9+/=_-]{16,}")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _decodings(text: str) -> list[str]:
    """The output as written, plus the readings an attacker asks for: base64 pieces, ROT13, reversed."""
    out = [text, codecs.decode(text, "rot13"), text[::-1]]
    for token in _B64.findall(text):
        padded = token + "=" * (-len(token) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                out.append(decode(padded).decode("utf-8"))
                break
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
    return out


def leaks_prompt(system: str, output: str, *, canary: str, words: int = 8) -> bool:
    """True when ``output`` contains the canary or any ``words``-word run of ``system``, after
    normalising case, punctuation and spacing and trying base64, ROT13 and reversed readings."""
    squashed_canary = re.sub(r"\W", "", canary).lower()
    runs = set()
    tokens = _words(system)
    for i in range(0, max(len(tokens) - words + 1, 0)):
        runs.add(" ".join(tokens[i : i + words]))
    for reading in _decodings(output):
        if squashed_canary in re.sub(r"\W", "", reading).lower():
            return True
        flat = _words(reading)
        if any(" ".join(flat[i : i + words]) in runs for i in range(0, max(len(flat) - words + 1, 0))):
            return True
    return False
