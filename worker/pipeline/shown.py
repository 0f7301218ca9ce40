"""The dates a page shows its readers beside the headline, with the label each one carries.

A story's header (the headline, the byline, a dateline) is where a publisher shows the date it
stands by: "Published March 3, 2025", "Updated: Dec 4, 2025", or a bare `<time>` under the
title. The metadata that search engines read is often a CMS's record instead (an import date, a
restamp on every save). This module only reads: what it shows and how it is labelled; `html.py`
weighs it against the declared dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from lxml import etree
from lxml.html import HtmlElement

from schemas import DatedValue
from worker.pipeline.dates import parse_date_line

Label = Literal["published", "updated"]

# How much visible text around the headline counts as its header: a short line above it (a
# kicker, a date bar) and a deck, a byline and a date line below it, not the body.
_BEFORE_CHARS = 160
_AFTER_CHARS = 480
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "button", "select", "iframe", "nav", "footer"})
# Pieces of one line: "Updated Dec 18, 2025 · 12 min read", "By Jane Doe | March 5, 2026".
_PIECES = re.compile(r"\s+[|·•・∙]\s+|\s+[-–—]\s+|\s*[|·•・∙]\s*")
_UPDATED = re.compile(
    r"^(?:last\s+)?(?:updated|modified|revised|edited|reviewed|fact[\s-]checked)(?:\s+on)?\b[\s:,]*", re.IGNORECASE
)
_PUBLISHED = re.compile(r"^(?:(?:first|originally)\s+)?(?:published|posted|released|date)(?:\s+on)?\b[\s:,]*", re.I)
_DATE_ATTRS = ("datetime", "content")
# A sentence stating the first publication of a page that shows another date ("This article was
# originally published on 26 Sep 2019 at 4:12pm but has been regularly updated").
_ORIGINALLY = re.compile(r"\b(?:originally|first)\s+published\s+(?:on\s+)?", re.IGNORECASE)
# Any word _label reads, as a cheap first filter ("updated" contains "date").
_LABEL_WORD = re.compile(r"published|posted|released|date|modified|revised|edited|reviewed|checked", re.IGNORECASE)
_SENTENCE_WORDS = 8  # "Thursday, 26 September 2019 at 4:12 pm GMT"
_MIN_DATE_WORDS = 3
# A date line names a month or separates its numbers ("210412" is a counter, not a date).
_DATE_LIKE = re.compile(r"[^\W\d_]{3}|\d[-/.]\d")
# Day and month both 12 or less in an all-numeric date: the order is the reader's convention.
_MONTHS = 12
_NUMERIC = re.compile(r"(?<![\d-])(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?![\d-])")


@dataclass(frozen=True)
class ShownDate:
    """A date shown near the headline; label None when the page does not say what it is."""

    dated: DatedValue
    label: Label | None
    ambiguous: bool = False  # "03/04/2025": the 3rd of April or the 4th of March


@dataclass
class _Token:
    text: str
    element: HtmlElement
    dated: DatedValue | None = None  # a <time> or itemprop date element: its machine value
    ambiguous: bool = False


@dataclass(frozen=True)
class PageDates:
    """The dates beside the headline, and what the rest of the page says about the publication."""

    header: list[ShownDate]
    labelled: DatedValue | None = None  # the first date the text after the header calls the publication
    original: DatedValue | None = None  # "originally published on <date>", stated anywhere


def page_dates(tree: HtmlElement) -> PageDates:
    """Dates in the visible text just above and below the page's headline (its first <h1>), and
    the publication the page states further on."""
    tokens, start, end = _around_headline(tree)
    original = _original(tokens)
    if start < 0:
        return PageDates([], None, original)
    above, below = _windows(tokens, start, end)
    # Below the headline first, then above it nearest first: a bar of other stories' dates can
    # sit above a headline, rarely between it and its byline.
    return PageDates(_read(below) + _read(above)[::-1], _labelled(tokens[end + len(below) :]), original)


def _labelled(tokens: list[_Token]) -> DatedValue | None:
    """The first date the text calls the publication, in words only: the microdata of a list of
    other stories labels their dates too. Only the tokens around a label word are read (a page's
    text is long; a date is parsed twice per candidate)."""
    near = sorted({j for i, token in enumerate(tokens) if _LABEL_WORD.search(token.text) for j in (i - 1, i, i + 1)})
    runs: list[list[_Token]] = []
    for index in (j for j in near if 0 <= j < len(tokens)):
        if runs and runs[-1][-1] is tokens[index - 1]:
            runs[-1].append(tokens[index])
        else:
            runs.append([tokens[index]])
    found = (date for run in runs for date in _read(run, markup=False))
    return next((date.dated for date in found if date.label == "published" and not date.ambiguous), None)


def shown_dates(tree: HtmlElement) -> list[ShownDate]:
    """Dates in the visible text just above and below the page's headline (its first <h1>)."""
    return page_dates(tree).header


def _read(window: list[_Token], *, markup: bool = True) -> list[ShownDate]:
    found: list[ShownDate] = []
    pending: Label | None = None  # "Updated:" alone, its date in the next element
    bare: int | None = None  # an unlabelled date just read: an update right after it makes it the publication
    for token in window:
        for said, dated, ambiguous, has_text in _pieces(token):
            if dated is None:
                if has_text:
                    pending = bare = None
                elif said:
                    pending = said
                continue
            label = said or pending or (_attribute_label(token.element) if markup else None)
            if label == "updated" and bare is not None:
                found[bare] = replace(found[bare], label="published")  # "March 3, 2025. Updated: May 9, 2025"
            bare, pending = len(found) if label is None else None, None
            found.append(ShownDate(dated, label, ambiguous))
    return found


def _pieces(token: _Token) -> Iterator[tuple[Label | None, DatedValue | None, bool, bool]]:
    """(label, date, ambiguous, text besides the label) for each piece of a token's text."""
    if token.dated is not None:
        yield _label(token.text)[0], token.dated, token.ambiguous, True
        return
    for piece in _PIECES.split(token.text):
        label, rest = _label(piece.strip())
        dated = parse_date_line(rest) if rest and _DATE_LIKE.search(rest) else None
        yield label, dated, dated is not None and _ambiguous(rest), bool(rest)


def _original(tokens: list[_Token]) -> DatedValue | None:
    """The date in "This article was originally published on 26 Sep 2019 at 4:12pm but ...".

    A sentence, not a date line: the longest run of words after the phrase that reads as a date.
    """
    for index, token in enumerate(tokens):
        if not (match := _ORIGINALLY.search(token.text)):
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        rest = token.text[match.end() :].split()
        if not rest and following is not None and following.dated is not None:
            return following.dated
        words = [*rest, *(following.text.split() if following is not None else [])][:_SENTENCE_WORDS]
        for count in range(len(words), _MIN_DATE_WORDS - 1, -1):
            if dated := parse_date_line(" ".join(words[:count])):
                return dated
    return None


def _around_headline(tree: HtmlElement) -> tuple[list[_Token], int, int]:
    """The page's visible text in reading order, and where its first headline starts and ends."""
    tokens: list[_Token] = []
    start = end = -1
    skipping: HtmlElement | None = None
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if skipping is not None:
            if event == "end" and element is skipping:
                skipping = None
                _add(tokens, element.tail, element.getparent())
            continue
        tag = element.tag if isinstance(element.tag, str) else None
        if event == "start":
            if tag is None or tag in _SKIP:
                skipping = element
                continue
            if tag == "h1" and start < 0:
                start = len(tokens)
            if machine := _machine_date(element):
                tokens.append(_Token(" ".join(element.text_content().split()), element, *machine))
                skipping = element
                continue
            _add(tokens, element.text, element)
        else:
            if tag == "h1" and end < 0 <= start:
                end = len(tokens)
            _add(tokens, element.tail, element.getparent())
    return tokens, start, end


def _add(tokens: list[_Token], text: str | None, element: HtmlElement | None) -> None:
    if text and element is not None and (clean := " ".join(text.split())):
        tokens.append(_Token(clean, element))


def _windows(tokens: list[_Token], start: int, end: int) -> tuple[list[_Token], list[_Token]]:
    before, size = start, 0
    while before > 0 and size < _BEFORE_CHARS:
        before -= 1
        size += len(tokens[before].text)
    after, size = end, 0
    while after < len(tokens) and size < _AFTER_CHARS:
        size += len(tokens[after].text)
        after += 1
    return tokens[before:start], tokens[end:after]


def _machine_date(element: HtmlElement) -> tuple[DatedValue, bool] | None:
    """The value of a <time datetime> or an itemprop date element, and whether it is ambiguous."""
    itemprop = (element.get("itemprop") or "").lower()
    if element.tag != "time" and itemprop not in {"datepublished", "datemodified", "datecreated"}:
        return None
    text = " ".join(element.text_content().split())
    shown = parse_date_line(text) if _DATE_LIKE.search(text) else None
    for attribute in _DATE_ATTRS:
        value = (element.get(attribute) or "").strip()
        if (dated := parse_date_line(value) if value else None) and not _ambiguous(value):
            # The day the reader sees wins over a UTC stamp that falls on another day.
            if shown and shown.local_day != dated.local_day and not _ambiguous(text):
                return shown, False
            return dated, False
    return (shown, _ambiguous(text)) if shown else None


def _ambiguous(text: str) -> bool:
    return any(
        int(first) != int(second) and 0 < int(first) <= _MONTHS and 0 < int(second) <= _MONTHS
        for first, second, _year in _NUMERIC.findall(text)
    )


def _label(piece: str) -> tuple[Label | None, str]:
    if match := _UPDATED.match(piece):
        return "updated", piece[match.end() :]
    if match := _PUBLISHED.match(piece):
        return "published", piece[match.end() :]
    return None, piece


def _attribute_label(element: HtmlElement) -> Label | None:
    """What the markup calls a date: itemprop first, then an unambiguous class name."""
    for node in (element, element.getparent()):
        if node is None:
            continue
        itemprop = (node.get("itemprop") or "").lower()
        if itemprop in {"datepublished", "datecreated"}:
            return "published"
        if itemprop == "datemodified":
            return "updated"
        classes = (node.get("class") or "").lower()
        updated = "updated" in classes or "modified" in classes
        published = "published" in classes or "pubdate" in classes
        if updated != published:
            return "updated" if updated else "published"
    return None
