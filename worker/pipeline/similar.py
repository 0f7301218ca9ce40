"""Near-duplicate bodies: word shingles, MinHash LSH band keys, and the closest stored candidate.

The band keys only *find* candidates (any worker, through an index in PostgreSQL); the score that
decides is computed exactly on the shingles of the two bodies, so a MinHash estimation error can
cost a candidate but never invent a match.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from datasketch import MinHash

# Three-word shingles: one changed word (a spelling change, a renamed place) breaks three shingles
# instead of five, and a 3-word run is still rare enough not to join unrelated stories.
SHINGLE_WORDS = 3
# 50 bands of 3 rows over 150 permutations: a pair becomes a candidate with probability 50% at a
# Jaccard similarity of about 0.24 and 99% at 0.45, because a copy trimmed to half its length has a
# Jaccard of only ~0.5 with the original (32 bands of 4 rows missed 7% of those; measured with
# bench/dedupe_quality.py). Two unrelated articles (Jaccard ~0.02) meet in a band with probability
# ~4e-4; the repository checks at most MAX_CANDIDATES per store, those sharing most bands first.
BANDS = 50
ROWS = 3
_SEED = 1
# Copied for each body: the permutations are drawn once, not for every body. The hashing scheme is
# named: a default changed by datasketch (2.0 did) would change every key, and stored articles'
# keys would no longer meet those of new ones.
_EMPTY = MinHash(num_perm=BANDS * ROWS, seed=_SEED, scheme="affine32")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidate:
    """A stored article that shares at least one band key with the submission."""

    article_id: int
    story_id: int | None
    body: str


@dataclass(frozen=True)
class NearMatch:
    """The stored article a body is a near duplicate of, and how similar the two are."""

    article_id: int
    story_id: int | None
    score: float


def words(body: str) -> list[str]:
    """The body's words, case and Unicode forms folded, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", body).casefold())


def shingles(body: str) -> frozenset[str]:
    """The set of runs of SHINGLE_WORDS consecutive words."""
    tokens = words(body)
    return frozenset(" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(len(tokens) - SHINGLE_WORDS + 1))


def band_keys(found: frozenset[str]) -> list[int]:
    """The LSH band keys of a body's shingles as signed 64-bit integers (PostgreSQL bigint), sorted.

    A body too short for one shingle has none: it can only ever be an exact copy.
    """
    if not found:
        return []
    minhash = _EMPTY.copy()
    minhash.update_batch([shingle.encode("utf-8") for shingle in found])
    values = minhash.hashvalues
    keys = set()
    for band in range(BANDS):
        digest = hashlib.blake2b(values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8, salt=bytes([band]))
        keys.add(int.from_bytes(digest.digest(), "big", signed=True))
    return sorted(keys)


def containment(first: frozenset[str], second: frozenset[str]) -> float:
    """Share of the smaller shingle set found in the other: 1.0 for a trimmed or extended copy."""
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def closest(mine: frozenset[str], candidates: Iterable[Candidate], threshold: float) -> NearMatch | None:
    """The candidate most similar to a body (its shingles) scoring at least `threshold`; ties go
    to the lowest id."""
    best: NearMatch | None = None
    for candidate in sorted(candidates, key=lambda c: c.article_id):
        score = round(containment(mine, shingles(candidate.body)), 4)
        if score >= threshold and (best is None or score > best.score):
            best = NearMatch(candidate.article_id, candidate.story_id, score)
    return best


def lock_keys(content_hash: str, canonical_url: str | None, bands: Sequence[int]) -> list[int]:
    """Advisory lock keys for one store, sorted so that concurrent stores never deadlock.

    The body hash serialises exact copies, the canonical URL serialises versions of one page, the
    band keys serialise near duplicates: two copies that could find each other share a band key.
    """
    keys = {_key(content_hash.encode()), *bands}
    if canonical_url:
        keys.add(_key(canonical_url.encode("utf-8")))
    return sorted(keys)


def _key(value: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(value, digest_size=8, person=b"newsingest").digest(), "big", signed=True)
