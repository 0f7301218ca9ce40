"""Shingles, band keys, containment and the near-duplicate decision; the story rules."""

from __future__ import annotations

from datetime import UTC, datetime

from worker.pipeline.similar import BANDS, Candidate, band_keys, closest, containment, lock_keys, shingles
from worker.pipeline.stories import Copy, changes, is_earlier, syndicating_agency

STORY = [
    "Chinese President Xi Jinping and Kim Jong Un met for talks in Beijing on Thursday, state media reported.",
    "Kim and Russia's Vladimir Putin flanked Xi at a massive parade of Chinese military might on Wednesday.",
    "China is North Korea's most important ally, their relationship forged in the bloodshed of the Korean War.",
    "Chinese state media said Kim and Xi met for talks in Beijing's Great Hall of the People.",
]
OTHER = [
    "The city council approved a new bridge across the harbour on Tuesday after a decade of debate.",
    "Supporters said it would halve commuting times for people living on the northern shore of the bay.",
    "Opponents warned that the cost had doubled since the first plans were drawn up by the engineers.",
]


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def test_shingles_fold_case_and_punctuation() -> None:
    assert shingles("Kim met Xi. KIM, met xi!") == {"kim met xi", "met xi kim", "xi kim met"}


def test_band_keys_are_stable_sorted_and_one_per_band() -> None:
    keys = band_keys(shingles(body(STORY)))
    assert keys == band_keys(shingles(body(STORY))) == sorted(keys)
    assert len(keys) == BANDS
    assert all(-(2**63) <= key < 2**63 for key in keys)


def test_a_body_too_short_for_a_shingle_has_no_band_keys() -> None:
    assert band_keys(shingles("Two words")) == []


def test_a_trimmed_copy_shares_band_keys_and_is_fully_contained() -> None:
    trimmed = body(STORY[:2])
    assert set(band_keys(shingles(trimmed))) & set(band_keys(shingles(body(STORY))))
    assert containment(shingles(trimmed), shingles(body(STORY))) == 1.0


def test_different_stories_share_no_band_key() -> None:
    assert not set(band_keys(shingles(body(STORY)))) & set(band_keys(shingles(body(OTHER))))


def test_closest_takes_the_best_candidate_above_the_threshold() -> None:
    candidates = [Candidate(3, 30, body(OTHER)), Candidate(5, 50, body(STORY[:3])), Candidate(7, 70, body(STORY))]
    match = closest(shingles(body(STORY)), candidates, 0.5)
    assert match is not None and (match.article_id, match.story_id, match.score) == (5, 50, 1.0)
    assert closest(shingles(body(OTHER[:1] + STORY[:1])), [Candidate(7, 70, body(STORY))], 0.6) is None


def test_lock_keys_are_sorted_and_include_body_and_url() -> None:
    keys = lock_keys("ab" * 32, "https://x.example/a", [5, -3])
    assert keys == sorted(keys) and len(keys) == 4 and {5, -3} <= set(keys)
    assert len(lock_keys("ab" * 32, None, [])) == 1


def test_an_earlier_published_copy_wins_and_undated_ones_never_do() -> None:
    early, late = datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)
    assert is_earlier(Copy(None, "b", None, early), Copy(None, "a", None, late))
    assert is_earlier(Copy(None, "b", None, early), Copy(None, "a", None, None))
    assert not is_earlier(Copy(None, "b", None, None), Copy(None, "a", None, late))
    assert not is_earlier(Copy(None, "b", None, late), Copy(None, "a", None, late))


def test_a_copy_is_syndicated_with_its_own_or_the_canonical_agency() -> None:
    assert syndicating_agency(Copy(None, "b", "Reuters", None), Copy(None, "a", "AFP", None)) == "Reuters"
    assert syndicating_agency(Copy(None, "b", None, None), Copy(None, "a", "AFP", None)) == "AFP"
    assert syndicating_agency(Copy(None, "b", None, None), Copy(None, "a", None, None)) is None


def test_changes_count_paragraphs_and_the_headline() -> None:
    canonical = Copy("Xi holds talks with Kim", body(STORY), "AFP", None)
    copy = Copy("XI HOLDS TALKS WITH KIM!", body([STORY[0].upper(), STORY[1], "Read more on our site."]), None, None)
    found = changes(copy, canonical, 9)
    assert found.as_json() == {"against": 9, "paragraphs_added": 1, "paragraphs_removed": 2, "headline_changed": False}
    assert changes(Copy("Another", body(STORY), None, None), canonical, 9).headline_changed
