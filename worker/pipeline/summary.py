"""Keywords (YAKE, unsupervised, statistical: no model) and a short extractive summary."""

from __future__ import annotations

import re
from functools import cache

import yake

_KEYWORDS = 10
_SUMMARY_SENTENCES = 2
_SUMMARY_MAX_CHARS = 400
# YAKE ships stop-word lists for these languages; others fall back to its language-neutral list.
_YAKE_LANGUAGES = frozenset(
    ("ar", "bg", "br", "cz", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "hi", "hr", "hu", "hy", "id"),
) | frozenset(("it", "ja", "lt", "lv", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr", "uk", "zh"))
# A "sentence" of one or two words is a fragment (a dateline, a stray caption), not a summary.
_MIN_SENTENCE_WORDS = 3
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"”’)]*|$)")


@cache
def _extractor(language: str) -> yake.KeywordExtractor:
    return yake.KeywordExtractor(lan=language, n=3, dedup_lim=0.7, top=_KEYWORDS)


def keywords(text: str, language: str | None) -> list[str]:
    """The text's key phrases, most characteristic first."""
    if not text.strip():
        return []
    extractor = _extractor(language if language in _YAKE_LANGUAGES else "en")
    return [str(phrase) for phrase, _ in extractor.extract_keywords(text)]


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a paragraph break always ends a sentence."""
    return [
        (m.start(), m.group().strip())
        for m in _SENTENCE.finditer(text)
        if len(m.group().split()) >= _MIN_SENTENCE_WORDS
    ]


def summarise(text: str, key_phrases: list[str]) -> str | None:
    """The lead sentence and the sentence that carries the most key phrases, in text order.

    News puts the essentials first (the inverted pyramid), so the lead always stays; the second
    sentence is the one richest in the article's keywords, weighted by their rank.
    """
    found = sentences(text)
    if not found:
        return None
    weights = {phrase.lower(): len(key_phrases) - rank for rank, phrase in enumerate(key_phrases)}
    lead, *rest = found
    scored = sorted(rest, key=lambda pair: -sum(w for p, w in weights.items() if p in pair[1].lower()))
    chosen = sorted([lead, *scored[: _SUMMARY_SENTENCES - 1]])
    summary = " ".join(sentence for _, sentence in chosen)
    return summary if len(summary) <= _SUMMARY_MAX_CHARS else lead[1][:_SUMMARY_MAX_CHARS]
