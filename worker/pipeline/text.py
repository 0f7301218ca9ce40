"""Scraped plain text -> title, section, byline, agency, date and clean paragraphs.

Scrapers flatten a page to one line per block: title, section, byline, a date line, then the
body, often with a block of links to other stories injected in the middle and share prompts at
the end. This module reads that shape back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemas import DatedValue
from worker.pipeline.agencies import find_agency, is_agency_only
from worker.pipeline.dates import parse_date_line

# A marker line that announces a block of links to other stories.
_LINK_MARKER = re.compile(
    r"^(read\s+more|also\s+read|read\s+also|related(\s+(articles?|stories|news|posts|content))?|"
    r"see\s+also|more\s+(stories|news)|recommended(\s+for\s+you)?|you\s+may\s+also\s+like|"
    r"trending(\s+now)?|most\s+read|popular(\s+stories)?|top\s+stories|editor'?s\s+picks?)"
    r"\s*[:>»\-]*$",
    re.IGNORECASE,
)
# Lines at the end of a body that belong to the page, not the story.
_TRAILER = re.compile(
    r"^(©|\(c\)\s|copyright\b|all\s+rights\s+reserved|share\s+(this|on)\b|follow\s+us\b|"
    r"sign\s+up\b|subscribe\b|click\s+here\b|download\s+(our|the)\s+app|advertisement$|"
    r"get\s+the\s+latest\b|join\s+our\b|tags?:|filed\s+under\b)",
    re.IGNORECASE,
)
# "BEIJING (AFP) -", "Nairobi, Sept 4 (Reuters) -": a dateline credits the agency.
_DATELINE = re.compile(r"^[^()\n]{2,60}\(([^()]{2,40})\)\s*[-–—:]")
_ADVERT = re.compile(r"^(advertisement|sponsored|ad)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’)\]]*$|[\"”]$")
_BYLINE = re.compile(r"^(?:by|written\s+by|words\s+by)\b[:\s]*(.*)$", re.IGNORECASE)
# Link blocks without a marker: at least this many headline-like lines in a row. Two could be a
# pair of short paragraphs; three short unpunctuated lines in a body are almost never prose.
_MIN_UNMARKED_RUN = 3
_MAX_HEADLINE_WORDS = 20
_MAX_SECTION_WORDS = 4
_HEADER_LINES = 8
# A person's name in a byline has two to four words ("Moon Jae-in", "Ana María de la Cruz" is five:
# rare enough that a longer credit is taken for a team or desk name instead).
_NAME_WORDS = range(2, 5)


@dataclass
class TextParts:
    """What the plain-text reader found; parse turns it into a ParsedArticle."""

    title: str | None = None
    section: str | None = None
    authors: list[str] = field(default_factory=list)
    agency: str | None = None
    published: DatedValue | None = None
    paragraphs: list[str] = field(default_factory=list)
    modified: DatedValue | None = None
    description: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    canonical: str | None = None
    page_types: set[str] = field(default_factory=set)
    og_type: str | None = None


def read_text(text: str) -> TextParts:
    """Split scraped plain text into header fields and clean body paragraphs."""
    lines = _unwrap(_lines(text))
    parts = TextParts()
    if not lines:
        return parts
    body_start = _read_header(lines, parts)
    parts.paragraphs = _drop_trailer(_drop_link_blocks(lines[body_start:]))
    dateline = _DATELINE.match(parts.paragraphs[0]) if parts.paragraphs else None
    parts.agency = parts.agency or (find_agency(dateline.group(1)) if dateline else None)
    return parts


def _lines(text: str) -> list[str]:
    cleaned = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return [line for line in cleaned if line and not _ADVERT.match(line)]


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line that does not end a sentence, followed by lowercase."""
    out: list[str] = []
    for line in lines:
        if out and line[0].islower() and not _SENTENCE_END.search(out[-1]) and not _LINK_MARKER.match(out[-1]):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _read_header(lines: list[str], parts: TextParts) -> int:
    """Fill title, section, byline and date from the first lines; return where the body starts."""
    parts.title = lines[0]
    index = 1
    expecting_byline = False
    while index < min(len(lines), _HEADER_LINES) and not _is_prose(lines[index]):
        line = lines[index]
        byline = _BYLINE.match(line)
        date = parse_date_line(line)
        if byline:
            expecting_byline = not byline.group(1)
            _add_credit(byline.group(1), parts)
        elif date is not None:
            parts.published = parts.published or date
        elif expecting_byline or is_agency_only(line):
            _add_credit(line, parts)
            expecting_byline = False
        elif parts.section is None and len(line.split()) <= _MAX_SECTION_WORDS and not parts.authors:
            parts.section = line
        else:
            break
        index += 1
    return index


def _add_credit(credit: str, parts: TextParts) -> None:
    """A byline names people, agencies or both ("Jane Doe, AFP"; "AFP"; "Reuters staff")."""
    credit = credit.strip(" |,-")
    if not credit:
        return
    parts.agency = parts.agency or find_agency(credit)
    for name in re.split(r"\s*(?:,|&|\band\b|/|\|)\s*", credit):
        if name and find_agency(name) is None and _looks_like_name(name):
            parts.authors.append(name)


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return len(words) in _NAME_WORDS and all(word[0].isupper() for word in words if word.isalpha())


def _is_prose(line: str) -> bool:
    """A body sentence rather than a title, label or headline."""
    return len(line.split()) > _MAX_HEADLINE_WORDS or bool(_SENTENCE_END.search(line))


def _is_headline(line: str) -> bool:
    return not _is_prose(line) and len(line.split()) > 1


def _drop_link_blocks(lines: list[str]) -> list[str]:
    """Remove marker-led runs of headlines and long unmarked runs of them."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        end = index + 1 if _LINK_MARKER.match(lines[index]) else index
        while end < len(lines) and _is_headline(lines[end]):
            end += 1
        marked = end > index and _LINK_MARKER.match(lines[index]) is not None
        if marked or end - index >= _MIN_UNMARKED_RUN:
            index = end
        else:
            kept.append(lines[index])
            index += 1
    return kept


def _drop_trailer(lines: list[str]) -> list[str]:
    end = len(lines)
    while end > 0 and (_TRAILER.match(lines[end - 1]) or not _is_prose(lines[end - 1])):
        end -= 1
    return lines[:end]
