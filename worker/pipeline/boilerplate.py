"""Boilerplate learned per site: paragraphs that recur across many articles of one source.

The counts live in the database (every worker sees them); this module only says which lines
count, how a line is keyed, and drops known ones from a body.
"""

from __future__ import annotations

import hashlib
import re

# A paragraph seen in this many distinct articles of one source is that source's boilerplate.
# Three keeps a one-off quote shared by two related stories, and learns a site's footer quickly.
MIN_ARTICLES = 3
# Boilerplate is short (a credit, a prompt, a disclaimer); long paragraphs are not counted, which
# also keeps the table small.
MAX_LINE_CHARS = 300


def line_key(line: str) -> str:
    """A stable key for a line: case, spacing and quote styles folded, hashed."""
    folded = " ".join(line.casefold().replace("’", "'").replace("“", '"').replace("”", '"').split())
    return hashlib.sha256(folded.encode()).hexdigest()[:32]


def lines_to_learn(paragraphs: list[str]) -> dict[str, str]:
    """Key -> text of the distinct short paragraphs of one article (each counted once per article)."""
    return {line_key(p): p for p in paragraphs if len(p) <= MAX_LINE_CHARS and re.search(r"\w", p)}


def drop_known(paragraphs: list[str], known: frozenset[str]) -> list[str]:
    """The paragraphs that are not the source's known boilerplate."""
    if not known:
        return paragraphs
    return [p for p in paragraphs if line_key(p) not in known]
