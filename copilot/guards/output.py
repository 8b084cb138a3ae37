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

from copilot.guards.memo import line_cache

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

# Every construct whose match can run over a line break, or that changes how later steps see the
# text (a Markdown link is kept whole), contains one of these. Without them only bare links,
# script schemes and handlers are left to find, and bare links never contain whitespace.
_SPANNING = re.compile(r"\]\(|!\s*\[|\]:|<")

# Words that name an internal value tier or score; never in customer-facing text.
STAFF_TERMS = re.compile(
    r"\b(VIP|value tier|customer tier|asiakasluokka|arvoluokka|churn|lead score|liidipisteet|"
    r"poistuma-?riski|CLV|elinkaariarvo|asiakkuuden arvo)\b",
    re.IGNORECASE,
)


def allowed(url: str, allowlist: Iterable[str]) -> bool:
    try:
        parsed = urlparse(url.strip())
    except ValueError:  # "http://[x": not a URL anyone can follow to an allowed site
        return False
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    host = parsed.hostname.lower()
    return any(host == d or host.endswith("." + d) for d in allowlist)


def sanitize(text: str, allowlist: Iterable[str]) -> tuple[str, list[str]]:
    """Return text with markup neutralised and off-list links and images removed, plus what was removed."""
    allow = tuple(allowlist)
    # Entities first: "javascript&#58;" or "&lt;script&gt;" must be judged as what they become.
    text = _unescape(text)
    if _SPANNING.search(text) is None:
        return _sanitize_by_line(text, allow)
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

    text = MD_IMAGE.sub(image, text)
    text = IMAGE_OPENER.sub(_dropper(removed), text)  # a cut-off "![alt](http…" is still an image to a renderer
    text = MD_REF_DEF.sub(_dropper(removed), text)
    text = MD_LINK.sub(link, text)
    text = _sub_outside_md_links(BARE_URL, _bare_url(allow, removed), text)
    text = _sub_outside_md_links(BARE_DOMAIN, _bare_domain(allow, removed), text)
    for tag in TAG.findall(text):
        removed.append(tag)
    text = TAG.sub("", text)
    return _drop_script(text, removed)


def _sanitize_by_line(text: str, allow: tuple[str, ...]) -> tuple[str, list[str]]:
    # Lines repeat across outputs (template wording, a campaign's module lines), so each distinct
    # line's bare links are judged once; removals stay in the whole-text order (all URLs, then domains).
    lines = [_line_links(line, allow) for line in text.split("\n")]
    removed = [r for _t, urls, _d in lines for r in urls] + [r for _t, _u, domains in lines for r in domains]
    return _drop_script("\n".join(t for t, _u, _d in lines), removed)


@line_cache(maxsize=16384)
def _line_links(line: str, allow: tuple[str, ...]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    urls: list[str] = []
    domains: list[str] = []
    line = BARE_URL.sub(_bare_url(allow, urls), line)
    line = BARE_DOMAIN.sub(_bare_domain(allow, domains), line)
    return line, tuple(urls), tuple(domains)


def _drop_script(text: str, removed: list[str]) -> tuple[str, list[str]]:
    text = SCRIPT_SCHEME.sub(_dropper(removed), text)
    if "=" in text:  # every handler needs one; most text has none
        text = HANDLER.sub(_dropper(removed), text)
    return text.replace("<", "‹").replace(">", "›"), removed


def _dropper(removed: list[str]) -> Callable[[re.Match[str]], str]:
    def drop(m: re.Match[str]) -> str:
        removed.append(m.group(0))
        return ""

    return drop


def _bare_url(allow: tuple[str, ...], removed: list[str]) -> Callable[[re.Match[str]], str]:
    def bare(m: re.Match[str]) -> str:
        if allowed(m.group(0), allow):
            return m.group(0)
        removed.append(m.group(0))
        return "[link removed]"

    return bare


def _bare_domain(allow: tuple[str, ...], removed: list[str]) -> Callable[[re.Match[str]], str]:
    def bare_domain(m: re.Match[str]) -> str:
        if allowed("https://" + m.group(0), allow):
            return m.group(0)
        removed.append(m.group(0))
        return "[link removed]"

    return bare_domain


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
    # No term spans a line break; repeated lines (a campaign's module lines) are searched once.
    return sorted({term for line in text.split("\n") for term in _line_staff_terms(line)})


@line_cache(maxsize=16384)
def _line_staff_terms(line: str) -> frozenset[str]:
    return frozenset(m.group(0) for m in STAFF_TERMS.finditer(line))


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
