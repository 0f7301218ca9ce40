"""The entity model: an installed spaCy pipeline package, loaded once per process on first use."""

from __future__ import annotations

from functools import cache
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
