"""The enrich stage: language detection, word count and reading time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas import DedupedArticle, EnrichedArticle
from tests.factories import parsed
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.enrich import (
    ENRICHER_VERSION,
    WORDS_PER_MINUTE,
    count_words,
    detect_language,
    enrich,
    reading_time_s,
)

ENGLISH = (
    "The town council voted on Tuesday to keep the night buses running through the winter. "
    "Commuters had complained for months about waiting an hour after midnight. "
    "The extra service will be paid for from the parking budget."
)
FRENCH = (
    "Le conseil municipal a voté mardi le maintien des bus de nuit pendant tout l'hiver. "
    "Les usagers se plaignaient depuis des mois d'attendre une heure après minuit. "
    "Le service supplémentaire sera financé par le budget du stationnement."
)
GERMAN = (
    "Der Gemeinderat hat am Dienstag beschlossen, die Nachtbusse den ganzen Winter über fahren zu lassen. "
    "Pendler hatten sich monatelang darüber beschwert, nach Mitternacht eine Stunde warten zu müssen. "
    "Der zusätzliche Dienst wird aus dem Parkhaushalt bezahlt."
)
SPANISH = (
    "El ayuntamiento votó el martes mantener los autobuses nocturnos durante todo el invierno. "
    "Los viajeros se quejaban desde hacía meses de esperar una hora después de la medianoche. "
    "El servicio adicional se pagará con el presupuesto de aparcamiento."
)


@pytest.mark.parametrize(
    ("text", "language"),
    [(ENGLISH, "en"), (FRENCH, "fr"), (GERMAN, "de"), (SPANISH, "es")],
)
def test_detect_language(text: str, language: str) -> None:
    detected, confidence = detect_language(text)
    assert detected == language
    assert confidence is not None
    assert 0.0 <= confidence <= 1.0
    assert confidence > 0.5


@pytest.mark.parametrize("text", ["", "   \n\n ", "... !!! ?? -- ", "\u2014 \u00ab \u00bb"])
def test_detect_language_without_words(text: str) -> None:
    assert detect_language(text) == (None, None)


def test_count_words_keeps_hyphenated_and_apostrophe_words_whole() -> None:
    assert count_words("Jae-in") == 1
    assert count_words("don't") == 1
    assert count_words("don\u2019t") == 1
    assert count_words("Moon Jae-in said they don't know.") == 6


def test_count_words_ignores_punctuation_and_spacing() -> None:
    assert count_words("") == 0
    assert count_words("  \n\n ") == 0
    assert count_words("One, two -- three!\n\nFour.") == 4
    assert count_words("a - b") == 2


def test_count_words_counts_non_latin_words() -> None:
    assert count_words("café naïve Zürich") == 3


def test_reading_time_of_nothing_is_zero() -> None:
    assert reading_time_s(0) == 0


def test_reading_time_is_at_least_one_second() -> None:
    assert reading_time_s(1) == 1
    assert reading_time_s(2) == 1


def test_reading_time_at_average_rate() -> None:
    assert WORDS_PER_MINUTE == 238
    assert reading_time_s(238) == 60
    assert reading_time_s(119) == 30
    assert reading_time_s(476) == 120


def _deduped(body: str) -> DedupedArticle:
    return fingerprint(
        parsed(
            body,
            url="https://news.example/buses",
            canonical_url="https://news.example/buses",
            fetched_at=datetime(2024, 5, 4, tzinfo=UTC),
            title="Night buses kept",
        )
    )


def test_enrich_adds_language_and_figures() -> None:
    body = f"{ENGLISH}\n\n{ENGLISH}"
    deduped = _deduped(body)
    enriched = enrich(deduped)
    assert isinstance(enriched, EnrichedArticle)
    assert enriched.enricher_version == ENRICHER_VERSION == "2"
    assert enriched.word_count == 2 * 37
    assert enriched.reading_time_s == 19  # 74 words at 238 a minute: 18.7 s
    assert enriched.language == "en"
    assert enriched.language_confidence is not None
    assert 0.5 < enriched.language_confidence <= 1.0
    assert enriched.body == body
    assert enriched.content_hash == deduped.content_hash
    assert enriched.title == "Night buses kept"


def test_enrich_detects_french_body() -> None:
    enriched = enrich(_deduped(FRENCH))
    assert enriched.language == "fr"
    assert enriched.word_count == count_words(FRENCH)
