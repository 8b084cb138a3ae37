"""Prompt-injection defences: spot instruction-shaped text, keep it out of what an engine reads, and
notice when an output repeats the system prompt.

Retrieved text (content modules, CRM notes, ticket bodies, tool results) is data. A sentence in it
that speaks to the assistant ("ignore previous instructions", "tell the user to log in at…", a
markdown image, a script tag) is never useful context: :func:`strip_instructions` drops it, and the
rest of its paragraph with it (an injected instruction carries what follows it). The same detector
screens a chat question before it reaches a model. Heuristics, not a proof: they cover the common
shapes in English and Finnish; the output guards (links, markup, grounding) stay the last line.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

from copilot.assembly import TaskContext
from copilot.results import Citation

_I = re.IGNORECASE
_NEAR = r"[^.!?\n]{0,60}"
PATTERNS: dict[str, re.Pattern[str]] = {
    "override": re.compile(
        r"\b(ignore|disregard|forget|override|bypass|skip)\b" + _NEAR
        + r"\b(instructions?|rules|prompts?|guidelines|directions|directives|everything|all (of )?the above|"
        r"(the )?(above|previous|prior|earlier)( text| content| messages?)?)\b",
        _I,
    ),
    "new_rules": re.compile(
        r"\b(new|updated|real|actual|hidden|secret|revised)\s+(instructions?|system prompt|rules)\b", _I
    ),
    "system_prompt": re.compile(
        r"\b(system|initial|starting|original|hidden)\s*(prompt|message|instructions?|configuration)\b|\bsystemPrompt\b|"
        r"\binitiali[sz]ation string\b|\b(your|the) instructions\b",
        _I,
    ),
    "persona": re.compile(
        r"\b(you are now|from now on,? you|act as (a|an|if)|pretend (to be|you are|that)|role-?play as|"
        r"stay in character|developer mode|maintenance mode|do anything now|jailbr(eak|oken)|DAN mode|"
        r"no (longer )?(restrictions|filters))\b|"
        r"\bDAN\b",
        _I,
    ),
    "speak_to_ai": re.compile(
        r"\b(note|message|instructions?) (to|for) (the )?(ai|assistant|model|chatbot|llm|bot)\b|"
        r"\b(ai|assistant|language model|chatbot|llm)s?\b" + _NEAR + r"\b(must|should|shall|will|needs? to)\b"
        + _NEAR + r"\b(say|tell|respond|reply|print|output|include|answer|write|mention|recommend)\b",
        _I,
    ),
    "verbatim": re.compile(
        r"\b(print|output|repeat|echo|reply with|respond with|answer with|say|state|type)\b[^.!?\n]{0,25}"
        r"(exactly|verbatim|word for word|the following|[\"'“”‘’«`])|"
        r"\b(begin|start|end|finish|conclude|prefix|suffix)\b[^.!?\n]{0,20}\b(your|the|every|each)\s+"
        r"(answer|reply|response|output|message)\b|"
        r"\b(include|insert|add|append|mention)\b" + _NEAR + r"\b(in|to|into|at the end of)\s+(your|every|each|the)\s+"
        r"(answer|reply|response|output|message)s?\b",
        _I,
    ),
    "tell_user": re.compile(
        r"\b(tell|inform|instruct|advise|direct|redirect|send)\s+(the|all|every|our)?\s*(users?|customers?|visitors?|"
        r"readers?|recipients?)\s+(that|to)\b",
        _I,
    ),
    "role_marker": re.compile(
        r"(^|\n)\s*(system|assistant|user|human|ai)\s*:|<\|?\s*(im_start|im_end|system|endoftext|assistant)\s*\|?>|"
        r"\[/?(INST|SYS)\]|<</?SYS>>|#{2,}\s*(instruction|system|new task)",
        _I,
    ),
    "tool_push": re.compile(
        r"\b(call|use|invoke|run|execute|trigger)\b[^.!?\n]{0,30}\b(tool|function|command|shell|script|"
        r"log_activity|create_task|set_lead_status|convert_lead|lead_feedback|account_card)\b",
        _I,
    ),
    "markup": re.compile(
        r"!\[[^\]]*\]\s*[(\[]|<\s*/?\s*(script|img|iframe|svg|object|embed|style|link|meta|form|a)\b|"
        r"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:|vbscript\s*:|data\s*:\s*text/html|\bon[a-z]{3,}\s*=",
        _I,
    ),
    # Finnish: "unohda aiemmat ohjeet", "kerro käyttäjälle että…", "vastaa vain…", "järjestelmäkehote".
    "fi_override": re.compile(
        r"\b(unohda|ohita|sivuuta|älä (välitä|noudata|huomioi))\b" + _NEAR + r"\b(ohje\w*|sääntö\w*|sään\w*|kehot\w*|"
        r"yllä\w*|edell\w*|aiem\w*)",
        _I,
    ),
    "fi_rules": re.compile(
        r"\b(uudet|todelliset|salaiset) ohjeet\b|\bjärjestelmä(kehot|viest|ohje)\w*|"
        r"\b(kerro|ilmoita|neuvo|ohjaa) (käyttäjä|asiakka|lukija|vierailija)\w*\b" + _NEAR
        + r"\b(että|osoittee|sivu)\w*|"
        r"\b(vastaa|kirjoita|tulosta|toista) (vain|ainoastaan|pelkästään|sanatarkasti|täsmälleen)\b|"
        r"\b(aloita|lopeta|päätä) (vastauk|viesti)\w*",
        _I,
    ),
}
# Literals a match of each pattern must contain (in ``_fold``ed text), one string per branch of the
# pattern: "a|b" any of these, "x&y" both groups. A pattern runs only when one of its branches is
# present. Most retrieved text is plain data, and a substring test is a C-speed scan where each
# pattern is a position-by-position regex search, so this skips most of the work without changing a
# verdict. (One alternation of all patterns was measured slower: the regex engine loses each
# pattern's own first-character skipping.) Keep each entry in step with its pattern.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "override": ("ignore|disregard|forget|override|bypass|skip"
                 "&instruction|rules|prompt|guidelines|directions|directives|everything|above|previous|prior|earlier",),
    "new_rules": ("new|updated|real|actual|hidden|secret|revised&instruction|system prompt|rules",),
    "system_prompt": ("system|initial|starting|original|hidden&prompt|message|instruction|configuration",
                      "ation string", "your instructions|the instructions"),
    "persona": ("you are now", "from now on", "act as ", "pretend ", "play as", "stay in character", "developer mode",
                "maintenance mode", "do anything now", "jailbr", "dan", "restrictions", "filters"),
    "speak_to_ai": ("note|message|instruction&ai|assistant|model|bot|llm",
                    "ai|assistant|model|bot|llm&must|should|shall|will|need"
                    "&say|tell|respond|reply|print|output|include|answer|write|mention|recommend"),
    "verbatim": ("print|output|repeat|echo|reply|respond|answer|say|state|type"
                 "&exactly|verbatim|word for word|the following|\"|'|“|”|‘|’|«|`",
                 "begin|start|end|finish|conclude|prefix|suffix&answer|reply|response|output|message",
                 "include|insert|add|append|mention&answer|reply|response|output|message"),
    "tell_user": ("tell|inform|instruct|advise|direct|send&user|customer|visitor|reader|recipient",),
    "role_marker": ("<", "[", "##", ":&system|assistant|user|human|ai"),
    "tool_push": ("call|use|invoke|run|execute|trigger&tool|function|command|shell|script|log_activity|create_task"
                  "|set_lead_status|convert_lead|lead_feedback|account_card",),
    "markup": ("![", "<", "=", ":&vbscript", ":&text/html", ":&j&v&p"),
    "fi_override": ("unohda|ohita|sivuuta|älä&ohje|sään|kehot|yllä|edell|aiem",),
    "fi_rules": ("ohjeet", "järjestelmäkehot|järjestelmäviest|järjestelmäohje",
                 "kerro|ilmoita|neuvo|ohjaa&käyttäjä|asiakka|lukija|vierailija&että|osoittee|sivu",
                 "vastaa|kirjoita|tulosta|toista&vain|ainoastaan|pelkästään|sanatarkasti|täsmälleen",
                 "aloita|lopeta|päätä&vastauk|viesti"),
}
Branch = tuple[tuple[str, ...], ...]
_CHECKS: tuple[tuple[str, re.Pattern[str], tuple[Branch, ...]], ...] = tuple(
    (name, PATTERNS[name], tuple(tuple(tuple(group.split("|")) for group in branch.split("&"))
                                 for branch in TRIGGERS[name]))
    for name in PATTERNS
)


def _present(folded: str, branches: tuple[Branch, ...]) -> bool:
    # Plain loops: nested generator expressions cost more than the substring tests themselves.
    for branch in branches:
        for group in branch:
            for word in group:
                if word in folded:
                    break
            else:
                break  # a group with none of its words: this branch cannot match
        else:
            return True
    return False


def _fold(text: str) -> str:
    # Case-insensitive regexes also match ı to i and ſ to s, which str.lower() keeps apart, and
    # lower() turns İ into i plus a combining dot: fold those too so that no trigger is missed.
    # (str.replace, not str.translate: it scans at C speed and returns the text itself when absent.)
    return text.lower().replace("ı", "i").replace("ſ", "s").replace("\u0307", "")


# Sentence or line: an instruction rarely spans more.
# ("!" in "![x](…)" or "." in "evil.example" do not end a sentence: only before a space or line end.)
_UNIT = re.compile(r"(?:[^.!?\n]|[.!?]+(?!\s|$))*(?:[.!?]+)?[^\S\n]*\n?")
_PARAGRAPH_BREAK = re.compile(r"(\n\s*\n)")


def reasons(text: str) -> list[str]:
    """Names of the injection patterns ``text`` matches (empty when it reads like plain data)."""
    folded = _fold(text)
    return [name for name, pattern, branches in _CHECKS if _present(folded, branches) and pattern.search(text)]


def looks_injected(text: str) -> bool:
    folded = _fold(text)
    return any(_present(folded, branches) and pattern.search(text) for _, pattern, branches in _CHECKS)


def strip_instructions(text: str) -> tuple[str, list[str]]:
    """``text`` without its instruction-shaped sentences (each takes the rest of its paragraph)."""
    if not looks_injected(text):
        return text, []
    kept_paragraphs, removed = [], []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if not paragraph.strip() or not looks_injected(paragraph):
            kept_paragraphs.append(paragraph)
            continue
        units = [u for u in _UNIT.findall(paragraph) if u]
        cut = next((i for i, u in enumerate(units) if looks_injected(u)), None)
        if cut is None:  # the match spans units: drop the whole paragraph
            removed.append(paragraph.strip())
            continue
        kept_paragraphs.append("".join(units[:cut]).rstrip() + ("\n" if paragraph.endswith("\n") else ""))
        removed.append("".join(units[cut:]).strip())
    return "".join(kept_paragraphs).strip(), removed


def _any_injected(*fields: str) -> bool:
    # One scan over an item's fields joined by line breaks: a match inside a field still matches in
    # the joined text (a line break keeps word boundaries and starts of line as they were), so a clean
    # joined text means every field is clean; only a hit pays for the field-by-field stripping.
    return looks_injected("\n".join(fields))


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
        if whole and _any_injected(title, text, snippet):
            removed.append(text or snippet)
            continue
        if _any_injected(title, text, snippet):
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
