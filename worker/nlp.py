"""The entity model: an installed spaCy pipeline package, loaded once per process on first use."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

    from worker.settings import Settings

# The entity recogniser in the small English pipelines has its own token embedding; the
# dependency parser and lemmatiser add nothing to entities and cost a third of the time.
_UNUSED = ("parser", "lemmatizer")


def check(name: str) -> None:
    """Refuse to start a worker whose entity model is not installed (rather than fail every article)."""
    import spacy.util

    if not spacy.util.is_package(name):
        raise RuntimeError(f"NEWSINGEST_SPACY_MODEL={name!r} is not an installed spaCy pipeline package")


@cache
def load(name: str) -> Language:
    """The named pipeline, from its installed package: never downloaded."""
    import spacy

    return spacy.load(name, exclude=list(_UNUSED))


def configured(settings: Settings) -> Language | None:
    """The entity model the settings ask for, or None when entity extraction is turned off."""
    return load(settings.spacy_model) if settings.entities else None


# A page the project ships, which a worker runs through the core once as it starts.
_WARM_UP = Path(__file__).parent / "samples" / "seed_article.txt"


def run_core_once(model: Language | None) -> None:
    """Parse, fingerprint and enrich a shipped page, so that what the core loads on first use
    (the language model, the gazetteers, the keyword extractor) is loaded now, in this process.

    Imported here, not at the top: a producer importing the app must not pay for the core.
    """
    from schemas import ParsedArticle, RawArticle
    from worker.pipeline import similar
    from worker.pipeline.dedupe import fingerprint
    from worker.pipeline.enrich import enrich
    from worker.pipeline.parse import parse

    raw = RawArticle(source="warm-up", content=_WARM_UP.read_text(encoding="utf-8"), content_type="text/plain")
    parsed = parse(raw, uuid.uuid4(), datetime.now(UTC))
    if isinstance(parsed, ParsedArticle):
        article = fingerprint(parsed)
        similar.band_keys(similar.shingles(article.body))
        enrich(article, model)
