"""The word pairs a tsquery's phrases require, read from PostgreSQL's text form of the query."""

from __future__ import annotations

import pytest

from worker.phrases import MAX_ALTERNATIVES, has_loose_words, required_pairs


def test_a_phrase_requires_each_pair_of_neighbours() -> None:
    assert required_pairs("'bridge' <-> 'across' <-> 'the' <-> 'harbour'") == [
        frozenset({("bridge", "across"), ("across", "the"), ("the", "harbour")})
    ]


def test_words_alone_require_no_pair() -> None:
    assert required_pairs("'harbour' & 'bridge'") == []
    assert required_pairs("'harbour'") == []
    assert required_pairs("") == []


def test_phrases_and_words_together_require_every_phrase() -> None:
    # websearch_to_tsquery('simple', '"harbour bridge" well-known night'): the hyphenated word is a
    # phrase of the whole word and its parts, at positions p, p+1, p+2 as to_tsvector gives them.
    query = "'harbour' <-> 'bridge' & 'well-known' <-> 'well' <-> 'known' & 'night'"
    assert required_pairs(query) == [frozenset({("harbour", "bridge"), ("well-known", "well"), ("well", "known")})]


def test_a_negated_phrase_requires_nothing() -> None:
    assert required_pairs("'harbour' & !( 'bridge' <-> 'closed' )") == []
    assert required_pairs("!( 'bridge' <-> 'closed' ) & 'old' <-> 'town'") == [frozenset({("old", "town")})]


def test_phrases_in_or_are_alternatives_and_a_bare_word_in_or_requires_nothing() -> None:
    assert required_pairs("'harbour' <-> 'bridge' | 'tower' <-> 'bridge'") == [
        frozenset({("harbour", "bridge")}),
        frozenset({("tower", "bridge")}),
    ]
    assert required_pairs("'harbour' <-> 'bridge' | 'ferry'") == []


def test_and_of_alternatives_is_every_combination() -> None:
    query = "( 'a' <-> 'b' | 'c' <-> 'd' ) & ( 'e' <-> 'f' | 'g' <-> 'h' )"
    assert sorted(sorted(one) for one in required_pairs(query)) == [
        [("a", "b"), ("e", "f")],
        [("a", "b"), ("g", "h")],
        [("c", "d"), ("e", "f")],
        [("c", "d"), ("g", "h")],
    ]


def test_too_many_combinations_keep_one_side() -> None:
    side = " | ".join(f"'w{n}' <-> 'x{n}'" for n in range(MAX_ALTERNATIVES))
    need = required_pairs(f"'a' <-> 'b' & ( {side} ) & ( {side} )")
    assert need == [frozenset({("a", "b"), (f"w{n}", f"x{n}")}) for n in range(MAX_ALTERNATIVES)]
    assert required_pairs(f"{side} | 'a' <-> 'b'") == []  # an OR of too many requires nothing


def test_nested_phrases_are_one_run_of_neighbours() -> None:
    # PostgreSQL prints a right-nested phrase with parentheses; it means the same run of words.
    assert required_pairs("'a' <-> ( 'b' <-> 'c' )") == [frozenset({("a", "b"), ("b", "c")})]


def test_other_distances_prefixes_and_weights_require_only_their_phrases() -> None:
    assert required_pairs("'a' <2> 'b'") == []
    assert required_pairs("'a':* <-> 'b'") == []
    assert required_pairs("'a':AB <-> 'b' & 'c' <-> 'd'") == [frozenset({("c", "d")})]
    assert required_pairs("( 'a' <-> 'b' ) <2> ( 'c' <-> 'd' )") == [frozenset({("a", "b"), ("c", "d")})]


def test_quotes_and_backslashes_in_lexemes_are_unescaped() -> None:
    assert required_pairs("'o''neil' <-> 'a\\\\b'") == [frozenset({("o'neil", "a\\b")})]


@pytest.mark.parametrize(
    ("tsquery", "loose"),
    [
        ("'harbour' <-> 'bridge'", False),
        ("'harbour' <-> 'bridge' | 'tower' <-> 'bridge'", False),
        ("'harbour' <-> 'bridge' & !'closed'", False),  # a negated word narrows nothing
        ("'harbour' <-> 'bridge' & 'night'", True),
        ("'harbour' <2> 'bridge'", True),  # not neighbours: no pair holds them
        ("'harbour':* <-> 'bridge'", True),
        ("'harbour'", True),
        ("", False),
    ],
)
def test_loose_words_are_those_outside_every_phrase(tsquery: str, loose: bool) -> None:
    assert has_loose_words(tsquery) is loose


@pytest.mark.parametrize("broken", ["'a' &", "( 'a'", "'a' 'b'", "&", "'a' ) "])
def test_text_that_is_not_a_tsquery_is_refused(broken: str) -> None:
    with pytest.raises(ValueError, match="tsquery"):
        required_pairs(broken)
