"""Tokens, chunking, loaders and keyword tokenisation: no model, no store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import tokens
from retrieval.chunking import ChunkConfig, chunk_document
from retrieval.loaders import LoadError, load_file
from retrieval.textproc import guess_language, tokenize, tokenize_query


def test_tokeniser_works_offline_with_an_empty_tiktoken_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    tokens.encoding.cache_clear()
    enc = tokens.encoding()
    assert enc.name == "o200k_base"
    assert enc.decode(enc.encode("Huoltosopimus ja asiakaspolku")) == "Huoltosopimus ja asiakaspolku"
    assert tokens.count_tokens("hello world") == 2
    assert list(tmp_path.iterdir()) == []


def _md(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(
        "---\ntitle: Hinnasto\ntype: pricing\nlanguage: fi\npublic: false\nvalid_until: 2027-01-31\n---\n" + body,
        encoding="utf-8",
    )
    return path


def test_markdown_chunks_keep_headings_offsets_and_token_budget(tmp_path):
    para = "Lisenssi maksaa kahdeksan euroa käyttäjältä kuukaudessa. " * 12
    path = _md(tmp_path, f"# Hinnat\n\n{para}\n\n## Alennukset\n\n{para}\n\n{para}\n")
    doc = load_file(path)
    assert doc.meta["type"] == "pricing" and doc.title == "Hinnasto"
    chunks = chunk_document(doc, source_id="doc:x", location=str(path), cfg=ChunkConfig(max_tokens=150))
    raw = path.read_text(encoding="utf-8")
    assert all(raw[c.start : c.end] == c.text for c in chunks)
    assert all(tokens.count_tokens(c.text) <= 150 for c in chunks)
    assert {c.heading for c in chunks} == {"Hinnat", "Hinnat > Alennukset"}
    assert chunks[-1].embed_text().startswith("Hinnasto > Hinnat > Alennukset\n")
    assert len({c.id for c in chunks}) == len(chunks)


def test_html_csv_json_and_text_load(tmp_path):
    (tmp_path / "p.html").write_text(
        "<html><title>Opas</title><script>x()</script><h2>Aloitus</h2><p>Kirjaudu sisään.</p></html>"
    )
    (tmp_path / "t.csv").write_text("product,price\nHR Core,8\nFlow,3\n")
    (tmp_path / "d.json").write_text(json.dumps([{"q": "Hinta?", "a": {"eur": 8}}]))
    (tmp_path / "n.txt").write_text("First line\n\nSecond paragraph")
    html = load_file(tmp_path / "p.html")
    assert html.title == "Opas" and "## Aloitus" in html.text and "x()" not in html.text
    assert "product: HR Core; price: 8" in load_file(tmp_path / "t.csv").text
    assert "a.eur: 8" in load_file(tmp_path / "d.json").text
    assert load_file(tmp_path / "n.txt").title == "First line"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.pdf", b"%PDF-1.4 broken", "PDF"),
        ("bad.json", b"{nope", "bad JSON"),
        ("bin.txt", b"\xff\xfe\x00bad", "not UTF-8"),
        ("x.docx", b"zip", "unsupported"),
    ],
)
def test_unreadable_files_raise_a_named_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load_file(path)


def test_finnish_inflections_share_stems_and_compounds_share_grams():
    doc = set(tokenize("Huoltosopimuksen hinta asiakkaille", "fi"))
    assert set(tokenize_query("asiakkaan hinnat", "fi")) & doc >= {"asiak"}
    grams = set(tokenize_query("sopimuksen irtisanominen", "fi")) & doc
    assert any(g.startswith("#") for g in grams)  # "sopimus" meets "huoltosopimus" via grams
    assert guess_language("Mitä huoltosopimus maksaa?") == "fi"
    assert guess_language("What does the service contract cost?") == "en"


def test_server_notices_before_a_scraped_page_are_neither_content_nor_title(tmp_path):
    notice = ("Notice: Function load_textdomain was called incorrectly. Translations should be loaded "
              "at the init action or later. in /var/www/site/wp-includes/functions.php on line 6121\n")
    page = "Asiakkaan arvo – Blogi\n\nTekoäly tunnistaa arvokkaimmat asiakkaat.\n"
    path = tmp_path / "page.txt"
    path.write_text(notice + "\n" + notice + page, encoding="utf-8")
    doc = load_file(path)
    assert doc.title == "Asiakkaan arvo – Blogi" and "Notice" not in doc.text
    raw = path.read_text(encoding="utf-8")
    assert raw[doc.offset:] == doc.text  # chunk offsets stay offsets into the file
    chunks = chunk_document(doc, source_id="doc:page", location=str(path))
    assert raw[chunks[0].start:chunks[0].end].strip().startswith("Asiakkaan arvo")
    quoted = tmp_path / "quoted.txt"  # a notice quoted inside the text is the text's own business
    quoted.write_text(page + notice, encoding="utf-8")
    assert load_file(quoted).text.endswith(notice) and load_file(quoted).offset == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("paljonko kaarna maksaa", "fi"),
    ("what does the onboarding cost", "en"),
    ("how long does the perehdytys take for new staff", "en"),  # one Finnish word in an English question
    ("Onko teillä SSO support?", "fi"),  # one English word in a Finnish question
    ("Hinta per user per kk?", "fi"),  # a word vote for a third language does not overrule a clear reading
    ("GDPR?", "sv"),  # nothing to go on: the caller's default (one no reading could give)
    # "is", "my" guessed word by word are noise: they do not outvote a clear English reading
    ("Where is my data stored?", "en"),
    ("Is my data safe?", "en"),
])
def test_a_question_is_in_the_language_most_of_its_words_are(text: str, expected: str) -> None:
    from retrieval.language import language_of

    assert language_of(text, default="sv") == expected
