"""Hostile input through the pure core: always a result or a reason, never an exception."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import ParsedArticle, RawArticle, Rejection
from worker.pipeline.clean import clean_text, scrub
from worker.pipeline.intake import validate_record
from worker.pipeline.parse import parse

NOW = datetime(2026, 11, 26, tzinfo=UTC)
LIMIT = 1_000_000
STORY = (
    "Harbour town votes on bridge\nLocal\nBy Jane Mwangi\n| Mar 03, 2026\n"
    "The council approved a new bridge across the harbour on Tuesday after a long debate in the town hall.\n"
    "Supporters said the bridge would halve commuting times for people living on the northern shore.\n"
)


def _run(content: str, content_type: str | None = None) -> ParsedArticle | Rejection:
    record = {"source": "hostile.example", "content": content} | (
        {"content_type": content_type} if content_type else {}
    )
    raw = validate_record(record, LIMIT)
    if isinstance(raw, Rejection):
        return raw
    return parse(raw, uuid.uuid4(), NOW)


def test_nul_bytes_and_lone_surrogates_are_scrubbed_before_anything_is_stored() -> None:
    record = scrub({"content": "a\x00b\ud800c", "nested": ["\x00"], "k\x00": 1})
    assert record == {"content": "ab?c", "nested": [""], "k": 1}


def test_zero_width_and_bidi_controls_are_removed_but_rtl_text_stays() -> None:
    spoofed = "Pay\u200b\u202eecnalab\u202c now \u0645\u0631\u062d\u0628\u0627 \u200cok"
    assert clean_text(spoofed) == "Payecnalab now \u0645\u0631\u062d\u0628\u0627 \u200cok"


def test_zero_width_characters_do_not_survive_into_the_article() -> None:
    result = _run(STORY.replace("bridge", "bri\u200bdge\u202e"))
    assert isinstance(result, ParsedArticle)
    assert "\u200b" not in result.body and "\u202e" not in (result.title or "")
    assert "bridge" in result.body


def test_binary_garbage_is_a_reason() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 40
    assert isinstance(_run(garbage), Rejection)
    assert isinstance(_run(garbage, "text/html"), Rejection)


def test_entity_expansion_bomb_is_not_expanded() -> None:
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY e0 "boom">{entities}]><html><body><p>&e9;</p></body></html>'
    started = time.monotonic()
    result = _run(bomb, "text/html")
    assert time.monotonic() - started < 5
    body = result.body if isinstance(result, ParsedArticle) else ""
    assert "boom" * 100 not in body


def test_deeply_nested_html_is_a_reason_not_a_crash() -> None:
    deep = "<html><body>" + "<div>" * 50_000 + "<p>" + "text " * 40 + "</p>" + "</div>" * 50_000 + "</body></html>"
    assert isinstance(_run(deep, "text/html"), ParsedArticle | Rejection)


def test_an_extremely_long_line_is_handled_quickly() -> None:
    started = time.monotonic()
    result = _run("word " * 200_000)
    assert time.monotonic() - started < 10
    assert isinstance(result, ParsedArticle | Rejection)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_gives_an_article_or_a_reason(content: str) -> None:
    assert isinstance(_run(content), ParsedArticle | Rejection)


_TAGS = st.sampled_from(["p", "div", "article", "h1", "span", "script", "style", "table", "td", "a", "br", "meta"])
_FRAGMENT = st.recursive(
    st.text(max_size=80),
    lambda inner: (
        st.builds(lambda tag, body: f"<{tag}>{body}</{tag}>", _TAGS, inner)
        | st.builds(lambda a, b: a + b, inner, inner)
        | st.builds(lambda tag, body: f"<{tag}>{body}", _TAGS, inner)
    ),  # unclosed tags
    max_leaves=30,
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FRAGMENT)
def test_any_markup_gives_an_article_or_a_reason(fragment: str) -> None:
    assert isinstance(
        _run(f"<html><head><title>t</title></head><body>{fragment}</body></html>", "text/html"),
        ParsedArticle | Rejection,
    )


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=12),
        st.one_of(st.none(), st.integers(), st.text(max_size=40), st.lists(st.text(max_size=5))),
        max_size=8,
    )
)
def test_any_record_shape_is_validated_or_rejected(record: dict[str, object]) -> None:
    assert isinstance(validate_record(record, LIMIT), RawArticle | Rejection)


def test_raw_article_from_intake_is_scrubbed() -> None:
    raw = validate_record({"source": "s\x00", "content": "x\x00y"}, LIMIT)
    assert isinstance(raw, RawArticle) and (raw.source, raw.content) == ("s", "xy")
