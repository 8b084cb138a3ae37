"""Token counting with tiktoken's ``o200k_base``, built offline.

``tiktoken.get_encoding("o200k_base")`` downloads the BPE file, which fails here (no internet). The
``bpe-openai`` package ships the same file (gzip), whose content matches tiktoken's expected hash, so
the :class:`tiktoken.Encoding` is built from it directly and never touches ``TIKTOKEN_CACHE_DIR``.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from functools import lru_cache
from importlib import resources

import tiktoken

from copilot.core.errors import PolkuError

# tiktoken's published sha256 of o200k_base.tiktoken: refuse a file that is not the real encoding.
_EXPECTED_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
# Copied from tiktoken_ext.openai_public.o200k_base, which cannot be called without the download.
_PAT_STR = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The ``o200k_base`` encoding, loaded from the file bundled in ``bpe-openai`` (no network)."""
    try:
        raw = gzip.decompress(resources.files("bpe_openai.data").joinpath("o200k_base.tiktoken.gz").read_bytes())
    except (OSError, ModuleNotFoundError) as exc:
        raise PolkuError("config", f"cannot read the bundled o200k_base encoding: {exc}") from exc
    if hashlib.sha256(raw).hexdigest() != _EXPECTED_SHA256:
        raise PolkuError("config", "the bundled o200k_base encoding does not match tiktoken's hash")
    ranks = {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in raw.splitlines() if line)}
    return tiktoken.Encoding(name="o200k_base", pat_str=_PAT_STR, mergeable_ranks=ranks, special_tokens=_SPECIAL)


def count_tokens(text: str) -> int:
    """Number of ``o200k_base`` tokens in ``text`` (special-token text counts as plain text)."""
    return len(encoding().encode_ordinary(text))
