"""Instruction-shaped text: spot it, and cut it out of text that is only data.

Retrieved text (content modules, CRM notes, ticket bodies, tool results) is data. A sentence in it
that speaks to the assistant ("ignore previous instructions", "tell the user to log in at…", a
markdown image, a script tag, a role-play persona with its own rules) is never useful context:
:func:`strip_instructions` drops it, and the rest of its paragraph with it (an injected instruction
carries what follows it). The same detector screens a chat question before it reaches a model and
marks a whole document at ingest. Pure text functions at the ground layer, so retrieval can use them.
Heuristics, not a proof: they cover the common shapes in English and Finnish, and
:mod:`copilot.core.persona` covers persona prompts by their subject rather than their phrases; the
output guards (links, markup, grounding) stay the last line.
"""

from __future__ import annotations

import re

from copilot.core.persona import speaks_to_assistant

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
        r"no (longer )?(restrictions|filters)|break(ing)? (out of )?character|"
        r"(no|zero|without( any)?) (boundaries|guardrails|censorship))\b|"
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
                "maintenance mode", "do anything now", "jailbr", "dan", "restrictions", "filters", "character",
                "boundaries", "guardrails", "censorship"),
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
    found = [name for name, pattern, branches in _CHECKS if _present(folded, branches) and pattern.search(text)]
    return found + (["speaks_to_assistant"] if _persona(text) else [])


def looks_injected(text: str) -> bool:
    folded = _fold(text)
    if any(_present(folded, branches) and pattern.search(text) for _, pattern, branches in _CHECKS):
        return True
    return _persona(text)


def _persona(text: str) -> bool:
    # Paragraph by paragraph: a persona prompt planted in a long page is dense where it sits.
    return any(speaks_to_assistant(p) for p in _PARAGRAPH_BREAK.split(text) if p.strip())


def strip_instructions(text: str) -> tuple[str, list[str]]:
    """``text`` without its instructions. In the first paragraph with one, the instruction-shaped
    sentence takes the rest of its paragraph (a persona paragraph goes whole); every paragraph from
    there to the last paragraph with an instruction goes too (a persona prompt is pages long, and
    only some of its paragraphs give themselves away), and so does any paragraph after it that
    still addresses the assistant."""
    if not looks_injected(text):
        return text, []
    parts = _PARAGRAPH_BREAK.split(text)
    flagged = [i for i, p in enumerate(parts) if p.strip() and looks_injected(p)]
    if not flagged:  # only the whole text matches (a pattern spans a paragraph break): drop it all
        return "", [text.strip()]
    first, last = flagged[0], flagged[-1]
    while last + 1 < len(parts) and (not parts[last + 1].strip() or _still_addressed(parts[last + 1])):
        last += 1
    units = [u for u in _UNIT.findall(parts[first]) if u]
    # A persona paragraph goes whole (its friendly opening is part of it), as does one where no single
    # sentence matches (the match spans sentences).
    cut = 0 if _persona(parts[first]) else next((i for i, u in enumerate(units) if looks_injected(u)), 0)
    head = "".join(parts[:first]) + "".join(units[:cut]).rstrip()
    tail = "".join(parts[last + 1:])
    removed = ("".join(units[cut:]) + "".join(parts[first + 1:last + 1])).strip()
    kept = (head.rstrip() + "\n\n" + tail.lstrip()).strip() if tail.strip() else head.strip()
    return kept, [removed] if removed else []


def _still_addressed(paragraph: str) -> bool:
    """A paragraph after an injection that keeps talking to the assistant ("If you understood, reply
    'OK'", "GPT: [your answer]", a bare link): second person, a speaker label, or a link alone."""
    return bool(_ADDRESS.search(paragraph))


_ADDRESS = re.compile(r"\b(you|your|yourself|sinä|sinun|olet)\b|^\s*\[?[\w{}.]{1,30}\]?\s*:\s*\[|"
                      r"^\s*\S*https?://\S+\s*$", re.IGNORECASE)
