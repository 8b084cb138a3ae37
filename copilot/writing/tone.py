"""Whether a customer's message reads upset: the signs people write frustration with, in Finnish and
English. A ticket's stored sentiment comes from the CRM when it has one; a new ticket's text is read
here, so the suggested reply acknowledges the frustration before it gives the steps. Pure functions.
"""

from __future__ import annotations

import re

# Words of a repeated or urgent problem and of frustration (stems: "turhautu" covers "turhauttaa").
WORDS = re.compile(
    r"\b(?:again|still|third time|once more|unacceptable|ridiculous|frustrat\w*|annoy\w*|angry|disappoint\w*|"
    r"terrible|awful|useless|immediately|asap|urgent\w*|fed up|sick of|"
    r"taas|jälleen|vieläkään|edelleenkään|kolmas kerta|monta kertaa|mahdoton\w*|turhautu\w*|pettyny\w*|"
    r"ärsyttä\w*|surkea\w*|kamala\w*|naurettava\w*|hävettävä\w*|heti|välittömästi|kiiree\w*|muka)\b",
    re.IGNORECASE)
MARKS = re.compile(r"[!?]{2,}")
SHOUT = re.compile(r"\b[A-ZÄÖÅ]{3,}(?:\s+[A-ZÄÖÅ]{2,}){1,}\b")
"""Two or more words in capitals in a row: shouting (an acronym alone is not)."""
UPSET_AT = 2


def signs(text: str) -> int:
    """How many signs of frustration a message shows (each kind at most twice for words)."""
    return (min(len(WORDS.findall(text)), 2) + (1 if MARKS.search(text) else 0)
            + (1 if SHOUT.search(text) else 0))


def upset(text: str) -> bool:
    """Whether the message reads upset: two signs or more ("EI PÄÄSE SISÄÄN!!!", "kolmas kerta… heti")."""
    return signs(text) >= UPSET_AT
