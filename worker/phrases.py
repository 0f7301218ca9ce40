"""Which adjacent word pairs a text-search query's phrases require of a matching article.

Read from the query's text form (what PostgreSQL prints for a tsquery, so websearch syntax,
hyphenated words and URLs have already become phrases). The answer is a necessary condition
only: an article the query matches holds every pair of at least one alternative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

Pair = tuple[str, str]
# Alternatives: the article holds all pairs of one of them. An empty list requires nothing.
Need = list[frozenset[Pair]]

# Past this many alternatives an AND keeps the side with fewer, an OR requires nothing (both
# still necessary, less precise).
MAX_ALTERNATIVES = 16
_TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'(:[*A-D]+)?|<(-|\d+)>|([&|!()]))")
_BINDING = {"|": 1, "&": 2, "<": 3}  # how tightly each operator binds; '<' stands for <N>


@dataclass(frozen=True)
class _Node:
    op: str  # "word", "!", "&", "|" or "<"
    word: str = ""
    plain: bool = True  # a word without prefix (:*) or weight marks
    distance: int = 0
    parts: tuple[_Node, ...] = ()  # the negated node, or an operator's left and right


def required_pairs(tsquery: str) -> Need:
    """The pairs (as lexemes) an article must hold to match the query; [] when nothing is required."""
    tokens = _tokens(tsquery)
    if not tokens:
        return []
    node, rest = _parse(tokens, 1)
    if rest:
        raise ValueError(f"unexpected {rest[0]!r} in tsquery {tsquery!r}")
    return _need(node)


def has_loose_words(tsquery: str) -> bool:
    """Whether a word outside every phrase (and not negated) narrows the query: only then can the
    word index add anything to the pair index."""
    tokens = _tokens(tsquery)
    return bool(tokens) and _loose(_parse(tokens, 1)[0])


def _loose(node: _Node) -> bool:
    if node.op == "word":
        return True
    if node.op == "!" or _sequence(node) is not None:  # a run of neighbours: its pairs hold its words
        return False
    return any(_loose(part) for part in node.parts)


def _tokens(tsquery: str) -> list[tuple[str, str, bool]]:
    """(kind, value, plain): kind is "word", "<" (value: the distance) or the operator itself."""
    tokens, at = [], 0
    while at < len(tsquery.rstrip()):
        match = _TOKEN.match(tsquery, at)
        if match is None:
            raise ValueError(f"cannot read tsquery {tsquery!r} at {at}")
        word, marks, distance, operator = match.groups()
        if word is not None:
            tokens.append(("word", re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", word), marks is None))
        elif distance is not None:
            tokens.append(("<", "1" if distance == "-" else distance, True))
        else:
            tokens.append((operator, operator, True))
        at = match.end()
    return tokens


def _parse(tokens: list[tuple[str, str, bool]], binding: int) -> tuple[_Node, list[tuple[str, str, bool]]]:
    """Precedence climbing: binary operators of at least `binding` are left-associative."""
    left, rest = _operand(tokens)
    while rest and rest[0][0] in _BINDING and _BINDING[rest[0][0]] >= binding:
        kind, value, _ = rest[0]
        right, rest = _parse(rest[1:], _BINDING[kind] + 1)
        left = _Node(kind, distance=int(value) if kind == "<" else 0, parts=(left, right))
    return left, rest


def _operand(tokens: list[tuple[str, str, bool]]) -> tuple[_Node, list[tuple[str, str, bool]]]:
    if not tokens:
        raise ValueError("tsquery ends where an operand was expected")
    (kind, value, plain), rest = tokens[0], tokens[1:]
    if kind == "word":
        return _Node("word", word=value, plain=plain), rest
    if kind == "!":
        negated, rest = _operand(rest)
        return _Node("!", parts=(negated,)), rest
    if kind == "(":
        inner, rest = _parse(rest, 1)
        if not rest or rest[0][0] != ")":
            raise ValueError("unbalanced parenthesis in tsquery")
        return inner, rest[1:]
    raise ValueError(f"unexpected {value!r} in tsquery")


def _need(node: _Node) -> Need:
    if node.op in ("word", "!"):  # a word needs no pair; a negation cannot require anything
        return []
    left, right = (_need(part) for part in node.parts)
    if node.op == "|":
        either = left + right if left and right else []
        return either if len(either) <= MAX_ALTERNATIVES else []
    words = _sequence(node)
    if words is not None:
        return [frozenset(pairwise(words))]
    # An AND, or a phrase of other parts: each side must match somewhere.
    return _both(left, right)


def _sequence(node: _Node) -> tuple[str, ...] | None:
    """The plain words of a chain of <-> (neighbours, in order), or None for any other shape."""
    if node.op == "word":
        return (node.word,) if node.plain else None
    if node.op != "<" or node.distance != 1:
        return None
    left, right = (_sequence(part) for part in node.parts)
    return left + right if left is not None and right is not None else None


def _both(left: Need, right: Need) -> Need:
    if not left or not right:
        return left or right
    if len(left) * len(right) > MAX_ALTERNATIVES:
        return min(left, right, key=len)
    return [one | other for one in left for other in right]
