"""Output safety for what people read: no live markup, links and images only to allowed domains,
and no staff-only facts (value tiers, scores) in text a customer or visitor reads.

Surfaces escape everything they render as well; this guard makes the text itself safe so that a
surface that forgets cannot turn model output into script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlparse

MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
BARE_URL = re.compile(r"\b(?:https?|ftp|data|javascript|vbscript|file):[^\s<>\"')\]]*", re.IGNORECASE)
TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")

# Words that name an internal value tier or score; never in customer-facing text.
STAFF_TERMS = re.compile(
    r"\b(VIP|value tier|customer tier|asiakasluokka|arvoluokka|churn|lead score|liidipisteet|"
    r"poistuma-?riski|CLV|elinkaariarvo|asiakkuuden arvo)\b",
    re.IGNORECASE,
)


def allowed(url: str, allowlist: Iterable[str]) -> bool:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host = parsed.hostname.lower()
    return any(host == d or host.endswith("." + d) for d in allowlist)


def sanitize(text: str, allowlist: Iterable[str]) -> tuple[str, list[str]]:
    """Return text with markup neutralised and off-list links and images removed, plus what was removed."""
    allow = list(allowlist)
    removed: list[str] = []

    def image(m: re.Match[str]) -> str:
        # Images are never rendered from generated text: an image URL is how data leaves silently.
        removed.append(m.group(0))
        return m.group(1)

    def link(m: re.Match[str]) -> str:
        if allowed(m.group(2), allow):
            return m.group(0)
        removed.append(m.group(0))
        return m.group(1)

    def bare(m: re.Match[str]) -> str:
        if allowed(m.group(0), allow):
            return m.group(0)
        removed.append(m.group(0))
        return "[link removed]"

    text = MD_IMAGE.sub(image, text)
    text = MD_LINK.sub(link, text)
    text = _sub_outside_md_links(BARE_URL, bare, text)
    for tag in TAG.findall(text):
        removed.append(tag)
    text = TAG.sub("", text)
    return html.unescape(text).replace("<", "‹").replace(">", "›"), removed


def _sub_outside_md_links(pattern: re.Pattern[str], repl, text: str) -> str:  # type: ignore[no-untyped-def]
    # Allowed markdown links were kept whole; do not rewrite the URL inside them a second time.
    out, last = [], 0
    for m in MD_LINK.finditer(text):
        out.append(pattern.sub(repl, text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(pattern.sub(repl, text[last:]))
    return "".join(out)


def staff_terms(text: str) -> list[str]:
    """Staff-only words found in text meant for a customer."""
    return sorted({m.group(0) for m in STAFF_TERMS.finditer(text)})
