"""Authors of a page: people only, from JSON-LD, author meta tags, then trafilatura's guess."""

from __future__ import annotations

import re

from worker.pipeline.agencies import find_agency, is_agency_only
from worker.pipeline.metadata import AUTHOR_META, PageMeta, names

_SPLIT = re.compile(r"\s*(?:;|,|&|\band\b|\|)\s*")
_PREFIX = re.compile(r"^(?:by|written\s+by|posted\s+by|author:?)\s+", re.IGNORECASE)
# Longer credits are desks or sentences ("Staff of the business desk"); digits and "@" are not names.
_MAX_NAME_WORDS = 5
_NOT_A_NAME = re.compile(r"[\d@/=?<>]|https?:|\.(com|org|net)\b", re.IGNORECASE)
_STAFF = re.compile(r"\b(staff|editors?|editorial|team|desk|admin|newsroom|contributors?)\b", re.IGNORECASE)
_MONTHS = re.compile(r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?$", re.IGNORECASE)
# Lowercase words a name may hold ("Ursula von der Leyen", "Ana de la Cruz").
_PARTICLES = frozenset({"de", "la", "van", "von", "der", "den", "da", "di", "du", "del", "bin", "al", "le", "y", "e"})


def choose_authors(meta: PageMeta, extracted: str | None, site: str | None) -> list[str]:
    """The first source that names at least one person wins."""
    sources = [
        names(meta.jsonld.get("author")),
        meta.all(*AUTHOR_META),
        meta.bylines[:3],
        [extracted] if extracted else [],
    ]
    for credits in sources:
        people = clean_names(credits, site)
        if people:
            return people
    return []


def clean_names(credits: list[str], site: str | None = None) -> list[str]:
    """Split credits into names; drop agencies, sites, URLs, desks and duplicates."""
    found: list[str] = []
    for credit in credits:
        for part in _SPLIT.split(_PREFIX.sub("", credit.strip())):
            name = part.strip(" .-–—:\"'“”‘’")
            if _is_person(name, site) and name.casefold() not in {n.casefold() for n in found}:
                found.append(name)
    return found


def _is_person(name: str, site: str | None) -> bool:
    """Capitalised words, not too many, not a desk, an agency, a month or a user handle.

    The site's own name is not refused: on personal sites the person is the site.
    """
    words = name.split()
    if not words or len(words) > _MAX_NAME_WORDS or _NOT_A_NAME.search(name) or _STAFF.search(name):
        return False
    if is_agency_only(name) or find_agency(name) == name or _MONTHS.match(name):
        return False
    return all(word[0].isupper() or word in _PARTICLES for word in words if word[0].isalpha())
