"""Dates found in text, with their precision and whether a timezone was stated."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, timedelta

from dateutil import parser as dateparser

from schemas import DatedValue
from schemas.article import DateSource

# Words that frame a date line in scraped pages ("| Sep 04, 2025", "Published on 4 May 2024").
_FRAME = re.compile(
    r"^(?:[|•·\-–—:\s]*)(?:(?:first\s+)?published|updated|posted|last\s+updated|date|on)?[:\s]*",
    re.IGNORECASE,
)
# Two defaults that differ in every field: a field that changes between them was not in the text.
_DEFAULT_A = datetime(1904, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(1908, 2, 2, 1, 1, 1)
_MAX_DATE_LINE = 64
# Zone abbreviations common in English-language datelines, as UTC offsets in seconds. Many are
# ambiguous worldwide (IST, CST); these are the readings news sites use most.
_ZONES = {
    "GMT": 0,
    "UTC": 0,
    "Z": 0,
    "BST": 3600,
    "CET": 3600,
    "CEST": 7200,
    "EET": 7200,
    "EEST": 10800,
    "EAT": 10800,
    "WAT": 3600,
    "SAST": 7200,
    "IST": 19800,
    "PKT": 18000,
    "ICT": 25200,
    "HKT": 28800,
    "SGT": 28800,
    "JST": 32400,
    "KST": 32400,
    "AEST": 36000,
    "AEDT": 39600,
    "EST": -18000,
    "EDT": -14400,
    "CST": -21600,
    "CDT": -18000,
    "MST": -25200,
    "MDT": -21600,
    "PST": -28800,
    "PDT": -25200,
}


def parse_date_line(line: str, source: DateSource = "text") -> DatedValue | None:
    """The date a short line consists of, or None when the line is not a date."""
    # "Sep 04, 2025 | 10:32 am": a bar between the day and the time.
    text = re.sub(r"\s+[|•·]\s+", " ", _FRAME.sub("", line.strip(), count=1).strip(" |"))
    if not text or len(text) > _MAX_DATE_LINE or not re.search(r"\d", text):
        return None
    try:
        with warnings.catch_warnings():
            # An unknown zone name ("WAT") warns and is dropped: the time stays, its zone unknown.
            warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
            first = dateparser.parse(text, default=_DEFAULT_A, tzinfos=_ZONES)
            second = dateparser.parse(text, default=_DEFAULT_B, tzinfos=_ZONES)
    except (ValueError, OverflowError):
        return None
    if first.year != second.year or first.month != second.month or first.day != second.day:
        return None  # a year, a month and a day are all required
    given_time = first.hour == second.hour
    return _dated(
        first, given_time=given_time, given_seconds=given_time and first.second == second.second, source=source
    )


def _dated(value: datetime, *, given_time: bool, given_seconds: bool, source: DateSource) -> DatedValue:
    stated = value.tzinfo is not None
    if not given_time:
        value = value.replace(hour=0, minute=0, second=0, microsecond=0)
    aware = value.astimezone(UTC) if stated else value.replace(tzinfo=UTC)
    precision = "second" if given_seconds else "minute" if given_time else "day"
    offset = value.utcoffset() if stated and given_time else None
    return DatedValue(
        value=aware,
        precision=precision,
        source=source,
        timezone="stated" if stated and given_time else "unknown",
        utc_offset_min=int(offset.total_seconds() // 60) if offset is not None else None,
    )


def from_producer(value: datetime) -> DatedValue:
    """A producer's published_at hint: trusted to the second, timezone as given."""
    offset = value.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    return DatedValue(
        value=value.astimezone(UTC), precision="second", source="producer", timezone="stated", utc_offset_min=minutes
    )


def from_iso_day(value: str, source: DateSource) -> DatedValue | None:
    """A YYYY-MM-DD day (what trafilatura's date extraction returns)."""
    try:
        day = datetime.strptime(value[:10], "%Y-%m-%d")
    except ValueError:
        return None
    return DatedValue(value=day.replace(tzinfo=UTC), precision="day", source=source, timezone="unknown")


# /2025/09/04/ or /2025-09-04/ in a URL path: the day a CMS filed the story under.
_URL_DAY = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:[/-]|$)")


def from_url(url: str | None) -> DatedValue | None:
    """The day in a URL's path, if it has one."""
    match = _URL_DAY.search(url or "")
    if not match:
        return None
    try:
        day = datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
    except ValueError:
        return None
    return DatedValue(value=day, precision="day", source="url", timezone="unknown")


# UTC offsets in use run from -12:00 to +14:00.
_WESTMOST = timedelta(hours=-12)
_EASTMOST = timedelta(hours=14)


def could_fall_on(moment: DatedValue, day: str) -> bool:
    """Whether a moment is on `day` (YYYY-MM-DD) in some time zone.

    A date without a stated time and zone could be any neighbouring day somewhere else.
    """
    shown = date.fromisoformat(day)
    if moment.precision == "day" or moment.timezone != "stated":
        return abs((shown - moment.value.date()).days) <= 1
    return (moment.value + _WESTMOST).date() <= shown <= (moment.value + _EASTMOST).date()


def in_page_zone(dated: DatedValue, stamps: list[DatedValue]) -> DatedValue:
    """A time the page gave without its zone ("Dec 18, 2025 8:00 PM"), placed in the zone the
    page's other stamps state: timezone "inferred". The stamp nearest in time decides (a page
    spanning a daylight-saving change states two offsets). A zero offset is not used: it is as
    often a server writing UTC as the publisher's own zone.
    """
    if dated.timezone != "unknown" or dated.precision == "day":
        return dated
    zoned = [stamp for stamp in stamps if stamp.timezone == "stated" and stamp.utc_offset_min]
    if not zoned:
        return dated
    offset = min(zoned, key=lambda stamp: abs(stamp.value - dated.value)).utc_offset_min or 0
    return DatedValue(
        value=dated.value - timedelta(minutes=offset),
        precision=dated.precision,
        source=dated.source,
        timezone="inferred",
        utc_offset_min=offset,
    )
