"""Output safety for what people read: no live markup, links and images only to allowed domains,
and no staff-only facts (value tiers, scores) in text a customer or visitor reads.

Surfaces escape everything they render as well; this guard makes the text itself safe so that a
surface that forgets cannot turn model output into script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlparse

MD_IMAGE = re.compile(r"!\[([^\]]*)\]\s*(?:\(([^)\s]*)[^)]*\)|\[[^\]]*\])")
IMAGE_OPENER = re.compile(r"!(?=\s*\[)")
# A reference-style definition ("[1]: https://…") makes "![x][1]" an image elsewhere in the text.
MD_REF_DEF = re.compile(r"^[ \t]*\[[^\]]+\]:[ \t]*\S+.*$", re.MULTILINE)
MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
BARE_URL = re.compile(r"\b(?:https?|ftp|data|javascript|vbscript|file):[^\s<>\"')\]]*", re.IGNORECASE)
TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
# Scheme-less links: widgets, Slack and mail clients turn "evil.example/x" into a live link too.
TLDS = (
    "com|net|org|biz|info|io|ai|app|dev|xyz|top|cool|site|online|shop|store|club|live|pro|link|click|"
    "security|example|fi|se|no|dk|ee|de|uk|eu|us|ru|cn|co|me|tv|ly|gg|to|cc|ws|in|nl|fr|it|es|pl"
)
BARE_DOMAIN = re.compile(
    r"(?<![\w@.\-/])(?:www\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:" + TLDS + r")\b(?![@\w-])"
    r"(?::\d+)?(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
# Script schemes written with spaces or control characters between the letters still run.
SCRIPT_SCHEME = re.compile(r"j[\s\x00-\x1f]*a[\s\x00-\x1f]*v[\s\x00-\x1f]*a[\s\x00-\x1f]*s[\s\x00-\x1f]*c"
                           r"[\s\x00-\x1f]*r[\s\x00-\x1f]*i[\s\x00-\x1f]*p[\s\x00-\x1f]*t[\s\x00-\x1f]*:|"
                           r"vbscript\s*:|data\s*:\s*[a-z]+/[\w+.-]+\s*[;,]", re.IGNORECASE)
# An event-handler attribute (onerror=, onload=) becomes script the moment text lands in an attribute.
HANDLER = re.compile(r"\bon[a-z]{3,}\s*=", re.IGNORECASE)

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

    def bare_domain(m: re.Match[str]) -> str:
        if allowed("https://" + m.group(0), allow):
            return m.group(0)
        removed.append(m.group(0))
        return "[link removed]"

    def drop(m: re.Match[str]) -> str:
        removed.append(m.group(0))
        return ""

    # Entities first: "javascript&#58;" or "&lt;script&gt;" must be judged as what they become.
    text = _unescape(text)
    text = MD_IMAGE.sub(image, text)
    text = IMAGE_OPENER.sub(drop, text)  # a cut-off "![alt](http…" is still an image to a renderer
    text = MD_REF_DEF.sub(drop, text)
    text = MD_LINK.sub(link, text)
    text = _sub_outside_md_links(BARE_URL, bare, text)
    text = _sub_outside_md_links(BARE_DOMAIN, bare_domain, text)
    for tag in TAG.findall(text):
        removed.append(tag)
    text = TAG.sub("", text)
    text = SCRIPT_SCHEME.sub(drop, text)
    text = HANDLER.sub(drop, text)
    return text.replace("<", "‹").replace(">", "›"), removed


def _unescape(text: str) -> str:
    for _ in range(3):  # double-encoded entities ("&amp;lt;") need more than one pass
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def _sub_outside_md_links(pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], text: str) -> str:
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


def safe_citations(citations: list[Any], allowlist: Iterable[str]) -> list[Any]:
    """Citations as a surface shows them (title and snippet) run through :func:`sanitize` as well: a
    retrieved passage is as untrusted as generated text."""
    allow = list(allowlist)
    out = []
    for c in citations:
        title, _ = sanitize(c.title, allow)
        snippet, _ = sanitize(c.snippet, allow)
        text, _ = sanitize(c.text, allow) if c.text else ("", [])
        out.append(c.model_copy(update={"title": title, "snippet": snippet, "text": text}))
    return out
