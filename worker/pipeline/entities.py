"""Named entities of an article: the model's mentions, corrected, with in-article aliases resolved.

The model (a spaCy pipeline) is passed in; this module only reads what it finds. Corrections, in
order: all-caps headlines are re-cased from the article's own spellings before the model reads
them; spans are trimmed ("the", "'s") and completed ("Moon Jae" + "-in"); country aliases and
agencies get their kind and canonical name from gazetteers; a short mention ("Kim", "Putin") is
resolved to the full name the article uses ("Kim Jong Un"); later bare repeats of a name the
model missed are counted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from schemas import Entity, EntityKind
from worker.pipeline.agencies import AGENCIES
from worker.pipeline.headlines import recase
from worker.pipeline.names import clean, key
from worker.pipeline.places import country_name

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

KINDS: dict[str, EntityKind] = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
    "FAC": "facility",
    "NORP": "nationality",
    "EVENT": "event",
    "PRODUCT": "product",
    "WORK_OF_ART": "work",
    "LAW": "law",
}
_AGENCY_SPELLINGS = {spelling: name for name, spellings in AGENCIES.items() for spelling in spellings}
_AGENCY = re.compile(
    r"(?<![\w-])(" + "|".join(map(re.escape, sorted(_AGENCY_SPELLINGS, key=len)[::-1])) + r")(?![\w-])"
)
# Kinds a lone word may be re-read as a person's name from: the model often calls a bare
# surname an organisation ("Trump"), never a country a person.
# "the secretive North" is a place only to a reader who knows which; alone it names none.
_DIRECTIONS = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"})
# A name is completed by at most this many trailing parts ('Kim Ju' + 'Ae').
_NAME_EXTENSIONS = 2
# One- and two-letter capitalised words ('A', 'Mr') repeat too often to count as names.
_MIN_REPEAT_CHARS = 3
_RESOLVABLE: frozenset[EntityKind] = frozenset({"person", "organization"})


@dataclass(frozen=True, order=True)
class Mention:
    """One mention in the text: where, what it says, and which entity it names."""

    start: int
    end: int
    kind: EntityKind
    name: str

    @property
    def words(self) -> list[str]:
        return key(self.name).split()


def find_mentions(nlp: Language, text: str) -> list[Mention]:
    """Every entity mention in a text, corrected and alias-resolved, in text order."""
    recased = recase(text)
    doc = nlp(recased)
    mentions = [m for ent in doc.ents if ent.label_ in KINDS if (m := _mention(ent, text)) is not None]
    mentions = _add_agencies([_from_gazetteer(m) for m in mentions], text)
    mentions = _resolve_aliases(mentions)
    return sorted(mentions + _repeats(mentions, recased))


def _mention(span: Span, text: str) -> Mention | None:
    """The span trimmed of 'the' and possessives; a person's name completed to its last part."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in ("the", "a", "an"):
        start += 1
    while end > start and doc[end - 1].text in ("'s", "’s", "'", "’", "-", "."):
        end -= 1
    if start == end:
        return None
    if span.label_ == "PERSON":
        end = _complete_name(doc, end)
    begin, finish = doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)
    name = clean(text[begin:finish])
    if not name or key(name) in _DIRECTIONS:
        return None
    return Mention(begin, finish, KINDS[span.label_], name)


def _complete_name(doc: Doc, end: int) -> int:
    """Extend a name over '-in' in 'Moon Jae-in' and a trailing capitalised given name ('Kim Ju Ae')."""
    for _ in range(_NAME_EXTENSIONS):
        if _hyphen_continues(doc, end):
            end += 2
        elif end < len(doc) and doc[end].is_title and doc[end].pos_ == "PROPN" and not doc[end].ent_type_:
            end += 1
        else:
            break
    return end


def _hyphen_continues(doc: Doc, end: int) -> bool:
    """'Jae' '-' 'in' written without spaces: the tokeniser split one hyphenated name."""
    return (
        end + 1 < len(doc)
        and not doc[end - 1].whitespace_
        and doc[end].text == "-"
        and not doc[end].whitespace_
        and doc[end + 1].is_alpha
    )


def _from_gazetteer(mention: Mention) -> Mention:
    """Country aliases become the country ('DPRK' -> 'North Korea'); agencies are organisations."""
    if mention.kind != "person" and (country := country_name(mention.name)):
        return replace(mention, kind="place", name=country)
    if agency := _AGENCY_SPELLINGS.get(mention.name):
        return replace(mention, kind="organization", name=agency)
    return mention


def _add_agencies(mentions: list[Mention], text: str) -> list[Mention]:
    """Agency names the model missed ("AFP" is often left out of datelines and credits)."""
    taken = [(m.start, m.end) for m in mentions]
    found = [
        Mention(match.start(), match.end(), "organization", _AGENCY_SPELLINGS[match.group(1)])
        for match in _AGENCY.finditer(text)
        if not any(s < match.end() and match.start() < e for s, e in taken)
    ]
    return mentions + found


def _resolve_aliases(mentions: list[Mention]) -> list[Mention]:
    """A mention that is part of a fuller person's name in the same text names that person."""
    people = sorted((m for m in mentions if m.kind == "person" and len(m.words) > 1), key=lambda m: m.start)
    resolved = []
    for mention in mentions:
        full = _fuller_name(mention, people) if mention.kind in _RESOLVABLE else None
        resolved.append(replace(mention, kind="person", name=full) if full else mention)
    return resolved


def _fuller_name(mention: Mention, people: list[Mention]) -> str | None:
    """The longer name containing this one's words in order; a surname match first, then the earliest."""
    words = mention.words
    candidates = [
        person
        for person in people
        if len(person.words) > len(words)
        and _contains(person.words, words)
        and (mention.kind == "person" or len(words) == 1)
    ]
    if not candidates:
        return None
    candidates.sort(key=lambda person: (person.words[-len(words) :] != words, person.start))
    return candidates[0].name


def _contains(longer: list[str], shorter: list[str]) -> bool:
    return any(longer[i : i + len(shorter)] == shorter for i in range(len(longer) - len(shorter) + 1))


def _repeats(mentions: list[Mention], text: str) -> list[Mention]:
    """Later bare uses of a one-word name the model tagged elsewhere ('Simmons', 'Reuters')."""
    taken = [(m.start, m.end) for m in mentions]
    named: dict[str, Mention] = {}
    for mention in mentions:
        surface = text[mention.start : mention.end]
        if " " not in surface and surface[:1].isupper() and len(surface) >= _MIN_REPEAT_CHARS:
            named.setdefault(surface, mention)
    found = []
    for surface, mention in named.items():
        for match in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", text):
            if not any(s < match.end() and match.start() < e for s, e in taken):
                found.append(Mention(match.start(), match.end(), mention.kind, mention.name))
    return found


def aggregate(mentions: list[Mention], text: str) -> list[Entity]:
    """One entity per (kind, key): its mention count, first offset and the other forms the text used."""
    groups: dict[tuple[EntityKind, str], list[Mention]] = defaultdict(list)
    for mention in mentions:
        groups[(mention.kind, key(mention.name))].append(mention)
    entities = [
        Entity(
            name=group[0].name,
            kind=kind,
            key=entity_key,
            mentions=len(group),
            first_offset=min(m.start for m in group),
            aliases=sorted({clean(text[m.start : m.end]) for m in group} - {group[0].name, ""}),
        )
        for (kind, entity_key), group in groups.items()
        if entity_key
    ]
    return sorted(entities, key=lambda entity: (entity.first_offset or 0, entity.name))
