"""Direct quotations in a body, and who said them where the text attributes them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from schemas import Quote
from worker.pipeline.entities import Mention

# Straight or curly double quotes around at least a few words; a quote never spans paragraphs.
_QUOTE = re.compile(r"[\"“]([^\"“”\n]{12,}?)[\"”]")
_SPEECH = re.compile(
    r"\b(?:said|says|say|told|added|asked|stated|declared|wrote|announced|insisted|warned|noted|according to)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_MIN_WORDS = 4


def find_quotes(text: str, mentions: Sequence[Mention]) -> list[Quote]:
    """Quotations of at least four words; the speaker is the person (or organisation) named in
    the attribution clause right after the quote ('..., spokesman Guo Jiakun said') or right
    before it ('Guo said: "..."')."""
    quotes = []
    for match in _QUOTE.finditer(text):
        words = match.group(1).split()
        if len(words) < _MIN_WORDS:
            continue
        quotes.append(
            Quote(text=match.group(1).strip(" ,"), speaker=_speaker(text, match, mentions), offset=match.start(1))
        )
    return quotes


def _speaker(text: str, match: re.Match[str], mentions: Sequence[Mention]) -> str | None:
    after_end = _clause_end(text, match.end())
    after = (match.end(), after_end)
    before_start = max(
        text.rfind("\n", 0, match.start()), *(m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), 0
    )
    before = (before_start, match.start())
    for start, end in (after, before):
        if not _SPEECH.search(text, start, end):
            continue
        for kind in ("person", "organization"):
            named = [m for m in mentions if m.kind == kind and start <= m.start and m.end <= end]
            if named:
                return named[0].name
    return None


def _clause_end(text: str, start: int) -> int:
    """Where the sentence that follows a closing quote ends."""
    end = _SENTENCE_END.search(text, start)
    newline = text.find("\n", start)
    candidates = [position for position in (end.start() if end else -1, newline) if position >= 0]
    return min(candidates, default=len(text))
