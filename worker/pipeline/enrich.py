"""The enrich stage: language, reading figures, entities, countries, keywords, summary and quotes.

The entity model is passed in (loaded once per process by the caller); everything else here
is computed from the text with data shipped in packages.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from schemas import DedupedArticle, EnrichedArticle, Entity
from worker.pipeline.entities import Mention, aggregate, find_mentions
from worker.pipeline.places import country_of
from worker.pipeline.quotes import find_quotes
from worker.pipeline.summary import keywords, summarise

if TYPE_CHECKING:
    from spacy.language import Language

ENRICHER_VERSION = "2"
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


def model_name(ner: Language) -> str:
    """The entity model as recorded on a row: package name and version."""
    return f"{ner.meta['lang']}_{ner.meta['name']}-{ner.meta['version']}"


def find_entities(
    article: DedupedArticle, language: str | None, ner: Language | None
) -> tuple[list[Mention], list[Entity], str | None]:
    """Mentions and entities of the body, or why none were looked for; the agency counts as named."""
    if ner is None:
        return [], [], "no entity model configured"
    if language != ner.lang:
        return [], [], f"no entity model for language {language or 'unknown'}"
    mentions = find_mentions(ner, article.body)
    entities = aggregate(mentions, article.body)
    if article.agency and not any(e.kind == "organization" and e.name == article.agency for e in entities):
        entities.append(
            Entity(
                name=article.agency, kind="organization", key=article.agency.casefold(), mentions=0, first_offset=None
            )
        )
    return mentions, entities, None


def countries(mentions: list[Mention]) -> list[str]:
    """ISO 3166-1 alpha-2 codes of the places and nationalities mentioned, first mention first."""
    codes = (country_of(m.name) for m in sorted(mentions) if m.kind in ("place", "nationality"))
    return list(dict.fromkeys(code for code in codes if code))


def enrich(article: DedupedArticle, ner: Language | None = None) -> EnrichedArticle:
    """Everything the enrich stage adds to an article; `ner` is the entity model, if any."""
    language, confidence = detect_language(article.body)
    words = count_words(article.body)
    mentions, entities, skipped = find_entities(article, language, ner)
    key_phrases = keywords(article.body, language)
    return EnrichedArticle(
        **article.model_dump(),
        language=language,
        language_confidence=confidence,
        word_count=words,
        reading_time_s=reading_time_s(words),
        entities=entities,
        ner_model=model_name(ner) if ner is not None and skipped is None else None,
        ner_skipped=skipped,
        countries=countries(mentions),
        keywords=key_phrases,
        summary=summarise(article.body, key_phrases),
        quotes=find_quotes(article.body, mentions),
        enricher_version=ENRICHER_VERSION,
    )
