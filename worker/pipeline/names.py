"""Normalised keys of names: one key for every spelling of one name."""

from __future__ import annotations

import re
import unicodedata

_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^\w]+")


def clean(name: str) -> str:
    """A mention as a name: no leading 'the', no possessive, no surrounding punctuation or spaces."""
    name = " ".join(name.split()).strip(" .,;:!?\"'“”‘’()[]")
    return _POSSESSIVE.sub("", _ARTICLE.sub("", name)).strip()


def key(name: str) -> str:
    """Case, accents, dots and dashes folded: 'U.S.' and 'US', 'Moon Jae-in' and 'moon jae in' match."""
    decomposed = unicodedata.normalize("NFKD", clean(name).replace(".", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold()).strip()
