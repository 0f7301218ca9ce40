"""The enrich stage, first version: language of the body, word count and reading time."""

from __future__ import annotations

import re
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from schemas import DedupedArticle, EnrichedArticle

ENRICHER_VERSION = "1"
# Average silent reading rate of adults for non-fiction (Brysbaert 2019: 238 words a minute).
WORDS_PER_MINUTE = 238
# The identifier scores on character n-grams; beyond this many characters the verdict no
# longer changes, and the cost grows linearly.
_LANGUAGE_SAMPLE_CHARS = 4000
_WORD = re.compile(r"\w+(?:['’-]\w+)*")


@cache
def _identifier() -> LanguageIdentifier:
    """py3langid's model ships inside the package: loaded once per process, never downloaded."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float | None]:
    """ISO 639-1 code of the text's language with the model's probability, or None if no text."""
    sample = text[:_LANGUAGE_SAMPLE_CHARS]
    if not _WORD.search(sample):
        return None, None
    language, confidence = _identifier().classify(sample)
    return str(language), round(float(confidence), 4)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def reading_time_s(words: int) -> int:
    """Seconds to read that many words, at least one second for any text."""
    return max(1, round(words * 60 / WORDS_PER_MINUTE)) if words else 0


def enrich(article: DedupedArticle) -> EnrichedArticle:
    """Add language, word count and reading time to an article."""
    language, confidence = detect_language(article.body)
    words = count_words(article.body)
    return EnrichedArticle(
        **article.model_dump(),
        language=language,
        language_confidence=confidence,
        word_count=words,
        reading_time_s=reading_time_s(words),
        enricher_version=ENRICHER_VERSION,
    )
