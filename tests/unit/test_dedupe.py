"""Canonical URLs, body fingerprints and the duplicate verdict of the dedupe stage."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from schemas import DedupedArticle
from tests.factories import parsed
from worker.pipeline.dedupe import Match, Verdict, canonical_url, content_hash, fingerprint, judge
from worker.pipeline.similar import NearMatch

BODY = (
    "The city council approved a new harbour bridge on Tuesday.\n\n"
    "Supporters said it would halve commuting times for people on the northern shore."
)


def article(body: str = BODY, url: str | None = "https://news.example/bridge") -> DedupedArticle:
    return fingerprint(
        parsed(
            body,
            url=url,
            canonical_url=canonical_url(url),
            producer_id="p-1",
            fetched_at=datetime(2024, 5, 4, 10, 0, tzinfo=UTC),
            title="Council approves harbour bridge",
            section="Local",
            authors=["Jane Mwangi"],
        )
    )


# -- canonical_url ---------------------------------------------------------------------


def test_canonical_url_drops_tracking_fragment_and_sorts_query() -> None:
    url = "https://WWW.Example.COM/news/story?utm_source=tw&b=2&a=1&fbclid=xyz#comments"
    assert canonical_url(url) == "https://www.example.com/news/story?a=1&b=2"


def test_canonical_url_keeps_meaningful_parameters() -> None:
    assert canonical_url("https://example.com/item?id=3&utm_medium=email") == "https://example.com/item?id=3"


def test_canonical_url_of_bare_host_has_root_path() -> None:
    assert canonical_url("https://example.com") == "https://example.com/"


def test_canonical_url_drops_default_port() -> None:
    assert canonical_url("https://example.com:443/x") == "https://example.com/x"


def test_canonical_url_is_stable() -> None:
    once = canonical_url("https://Example.com/a?z=1&utm_campaign=x&y=2#top")
    assert once == "https://example.com/a?y=2&z=1"
    assert canonical_url(once) == once


def test_tracking_variants_share_one_canonical_url() -> None:
    plain = canonical_url("https://example.com/story?id=7")
    assert canonical_url("https://EXAMPLE.com/story?utm_source=fb&id=7&fbclid=abc#share") == plain


@pytest.mark.parametrize("url", [None, "", "http://[::1"])
def test_canonical_url_none_for_missing_or_unparsable(url: str | None) -> None:
    assert canonical_url(url) is None


@pytest.mark.parametrize("url", ["not a url", "https://", "javascript:alert(1)"])
def test_canonical_url_none_for_garbage(url: str) -> None:
    # An article's canonical URL is a dedupe key: a string that is no absolute URL must not be one.
    assert canonical_url(url) is None


# -- content_hash ----------------------------------------------------------------------


def test_content_hash_is_64_hex_chars() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(BODY))


def test_content_hash_ignores_case_and_whitespace() -> None:
    assert content_hash("Hello World.\n\nSecond line.") == content_hash("  hello   world.\nsecond LINE. ")


def test_content_hash_ignores_curly_versus_straight_quotes() -> None:
    curly = "\u201cIt\u2019s over,\u201d the coach said."
    straight = '"It\'s over," the coach said.'
    assert content_hash(curly) == content_hash(straight)


def test_content_hash_changes_with_a_word() -> None:
    assert content_hash("The council approved the bridge.") != content_hash("The council rejected the bridge.")


def test_fingerprint_keeps_fields_and_adds_hash() -> None:
    deduped = article()
    assert deduped.content_hash == content_hash(BODY)
    assert deduped.canonical_url == "https://news.example/bridge"
    assert deduped.title == "Council approves harbour bridge"
    assert deduped.authors == ["Jane Mwangi"]


# -- judge -----------------------------------------------------------------------------


def test_judge_new_without_matches() -> None:
    verdict = judge(article(), [])
    assert verdict == Verdict("new")
    assert verdict.article_id is None
    assert not verdict.is_duplicate


def test_judge_same_canonical_url_and_body_is_duplicate() -> None:
    verdict = judge(article(), [Match(4, "canonical_url"), Match(4, "content_hash")])
    assert verdict == Verdict("duplicate", 4, "canonical_url")
    assert verdict.is_duplicate


def test_judge_same_canonical_url_with_another_body_is_a_version() -> None:
    verdict = judge(article(), [Match(4, "canonical_url", story_id=2), Match(7, "content_hash")])
    assert verdict == Verdict("version", 4, "canonical_url", story_id=2)
    assert not verdict.is_duplicate


def test_judge_same_producer_id_is_duplicate() -> None:
    matches = [Match(9, "producer_id"), Match(9, "content_hash")]
    assert judge(article(), matches) == Verdict("duplicate", 9, "producer_id")


def test_judge_same_producer_id_with_another_body_is_a_version() -> None:
    assert judge(article(), [Match(9, "producer_id")]) == Verdict("version", 9, "producer_id")


def test_judge_same_body_with_url_is_copy_of_lowest_id() -> None:
    matches = [Match(12, "content_hash"), Match(5, "content_hash", story_id=3), Match(8, "content_hash")]
    verdict = judge(article(), matches)
    assert verdict == Verdict("copy", 5, "content_hash", story_id=3, score=1.0)
    assert not verdict.is_duplicate


def test_judge_same_body_without_url_is_duplicate() -> None:
    deduped = article(url=None)
    assert deduped.canonical_url is None
    verdict = judge(deduped, [Match(7, "content_hash"), Match(3, "content_hash")])
    assert verdict == Verdict("duplicate", 3, "content_hash")


def test_judge_url_match_wins_over_content_match() -> None:
    matches = [Match(2, "content_hash"), Match(6, "canonical_url"), Match(6, "content_hash")]
    assert judge(article(), matches) == Verdict("duplicate", 6, "canonical_url")


def test_judge_url_match_wins_over_producer_id_match() -> None:
    matches = [Match(3, "producer_id"), Match(6, "canonical_url"), Match(6, "content_hash")]
    assert judge(article(), matches) == Verdict("duplicate", 6, "canonical_url")


def test_judge_producer_id_wins_over_content_match() -> None:
    matches = [Match(1, "content_hash"), Match(10, "producer_id"), Match(10, "content_hash")]
    assert judge(article(), matches) == Verdict("duplicate", 10, "producer_id")


def test_judge_near_match_is_a_copy_with_its_score() -> None:
    near = NearMatch(article_id=4, story_id=2, score=0.83)
    assert judge(article(), [], near) == Verdict("copy", 4, "minhash", story_id=2, score=0.83)


def test_judge_exact_copy_wins_over_near_match() -> None:
    near = NearMatch(article_id=4, story_id=2, score=0.83)
    assert judge(article(), [Match(8, "content_hash", 5)], near) == Verdict("copy", 8, "content_hash", 5, 1.0)
