"""Date lines found in scraped text, producer timestamps and ISO days, as DatedValues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from worker.pipeline.dates import could_fall_on, from_iso_day, from_producer, in_page_zone, parse_date_line


def test_pipe_framed_day_without_time() -> None:
    dated = parse_date_line("| Sep 04, 2025")
    assert dated is not None
    assert dated.value == datetime(2025, 9, 4, tzinfo=UTC)
    assert dated.precision == "day"
    assert dated.timezone == "unknown"
    assert dated.source == "text"


def test_published_label_with_gmt_time() -> None:
    dated = parse_date_line("Published: 4 May 2024 10:32 GMT")
    assert dated is not None
    assert dated.value == datetime(2024, 5, 4, 10, 32, tzinfo=UTC)
    assert dated.precision == "minute"
    assert dated.timezone == "stated"


def test_iso_with_offset_is_converted_to_utc() -> None:
    dated = parse_date_line("2024-05-04T10:32:15+02:00")
    assert dated is not None
    assert dated.value == datetime(2024, 5, 4, 8, 32, 15, tzinfo=UTC)
    assert dated.value.utcoffset() == timedelta(0)
    assert dated.precision == "second"
    assert dated.timezone == "stated"


def test_iso_with_z_suffix() -> None:
    dated = parse_date_line("2024-05-04T10:32:15Z")
    assert dated is not None
    assert dated.value == datetime(2024, 5, 4, 10, 32, 15, tzinfo=UTC)
    assert (dated.precision, dated.timezone) == ("second", "stated")


def test_known_abbreviation_is_applied() -> None:
    dated = parse_date_line("Last updated: 5 June 2023 09:00 EDT")
    assert dated is not None
    assert dated.value == datetime(2023, 6, 5, 13, 0, tzinfo=UTC)
    assert (dated.precision, dated.timezone) == ("minute", "stated")


def test_seconds_give_second_precision() -> None:
    dated = parse_date_line("4 May 2024 10:32:45 GMT")
    assert dated is not None
    assert dated.value == datetime(2024, 5, 4, 10, 32, 45, tzinfo=UTC)
    assert dated.precision == "second"


def test_unknown_zone_name_keeps_time_with_zone_unknown() -> None:
    dated = parse_date_line("4 May 2024 10:32 XYZT")
    assert dated is not None
    assert dated.value == datetime(2024, 5, 4, 10, 32, tzinfo=UTC)
    assert dated.precision == "minute"
    assert dated.timezone == "unknown"


def test_twelve_hour_clock_without_zone() -> None:
    dated = parse_date_line("March 3, 2024 10:15 PM")
    assert dated is not None
    assert dated.value == datetime(2024, 3, 3, 22, 15, tzinfo=UTC)
    assert (dated.precision, dated.timezone) == ("minute", "unknown")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Posted on March 3, 2024", datetime(2024, 3, 3, tzinfo=UTC)),
        ("Updated: 5 June 2023", datetime(2023, 6, 5, tzinfo=UTC)),
        ("Thursday 4 September 2025", datetime(2025, 9, 4, tzinfo=UTC)),
        ("2024-05-04", datetime(2024, 5, 4, tzinfo=UTC)),
    ],
)
def test_framed_days(line: str, expected: datetime) -> None:
    dated = parse_date_line(line)
    assert dated is not None
    assert dated.value == expected
    assert dated.precision == "day"


def test_source_is_passed_through() -> None:
    dated = parse_date_line("4 May 2024", source="html")
    assert dated is not None
    assert dated.source == "html"


@pytest.mark.parametrize(
    "line",
    [
        "Asia",
        "AFP",
        "2019",
        "Updated 12:30",
        "10:32 GMT",
        "May 2024",
        "Sep 4",
        "Page 2 of 3",
        "Published 2 hours ago",
        "",
        "   ",
        "Talks resumed on 4 May 2024.",
        "The minister said on 4 May 2024 that the talks had collapsed after a long night of negotiation.",
    ],
)
def test_non_dates_are_none(line: str) -> None:
    assert parse_date_line(line) is None


def test_from_producer_converts_to_utc_and_trusts_seconds() -> None:
    nairobi = timezone(timedelta(hours=3))
    dated = from_producer(datetime(2024, 5, 4, 12, 0, 30, tzinfo=nairobi))
    assert dated.value == datetime(2024, 5, 4, 9, 0, 30, tzinfo=UTC)
    assert dated.value.utcoffset() == timedelta(0)
    assert dated.precision == "second"
    assert dated.source == "producer"
    assert dated.timezone == "stated"


def test_from_iso_day() -> None:
    dated = from_iso_day("2024-05-04", "html")
    assert dated is not None
    assert dated.value == datetime(2024, 5, 4, tzinfo=UTC)
    assert dated.precision == "day"
    assert dated.source == "html"
    assert dated.timezone == "unknown"


def test_from_iso_day_ignores_a_time_part() -> None:
    dated = from_iso_day("2024-05-04T23:59:00+05:00", "html")
    assert dated is not None
    assert dated.value == datetime(2024, 5, 4, tzinfo=UTC)
    assert dated.precision == "day"


@pytest.mark.parametrize("value", ["", "garbage", "2024-13-01", "2024-02-30", "04/05/2024"])
def test_from_iso_day_rejects_non_days(value: str) -> None:
    assert from_iso_day(value, "text") is None


def test_a_moment_falls_on_the_days_some_time_zone_gives_it() -> None:
    late = parse_date_line("2025-12-19T22:02:58Z")
    assert late is not None
    assert [could_fall_on(late, day) for day in ("2025-12-18", "2025-12-19", "2025-12-20")] == [False, True, True]
    early = parse_date_line("2025-07-05T01:30:00+00:00")
    assert early is not None
    assert [could_fall_on(early, day) for day in ("2025-07-04", "2025-07-05", "2025-07-06")] == [True, True, False]
    # A day, or a time without its zone, could be any neighbouring day somewhere.
    for vague in (parse_date_line("Dec 19, 2025"), parse_date_line("Dec 19, 2025 23:00")):
        assert vague is not None
        assert could_fall_on(vague, "2025-12-18") and could_fall_on(vague, "2025-12-20")
        assert not could_fall_on(vague, "2025-12-21")


def test_a_time_without_its_zone_takes_the_zone_the_page_states_nearest_in_time() -> None:
    shown = parse_date_line("Nov 3, 2025 8:15 PM")
    summer = parse_date_line("2025-10-20T09:00:00-04:00")
    winter = parse_date_line("2025-11-04T09:00:00-05:00")
    assert shown is not None and summer is not None and winter is not None
    placed = in_page_zone(shown, [summer, winter])
    assert placed.value == datetime(2025, 11, 4, 1, 15, tzinfo=UTC)
    assert (placed.timezone, placed.utc_offset_min, placed.local_day) == ("inferred", -300, "2025-11-03")
    # A stamp in UTC says nothing about the publisher's zone; a day has no time to place.
    utc = parse_date_line("2025-11-04T09:00:00Z")
    assert utc is not None
    assert in_page_zone(shown, [utc]) == shown
    day = parse_date_line("Nov 3, 2025")
    assert day is not None
    assert in_page_zone(day, [winter]) == day
