"""Precision and recall of "same story" on labelled pairs built from real article texts.

    python bench/dedupe_quality.py [--corpus ../shared/corpora/news-masakhanews-dev] [--pairs 200]

Positive pairs are an article and a republished copy of it (one transformation, or all at once);
negative pairs are two different stories of one category, and two different stories where the
second quotes a paragraph of the first. Three deciders run on the same pairs: the spine's exact
body hash, MinHash Jaccard >= 0.5 (the usual datasketch setup), and newsingest's (LSH band keys
find the candidate, shingle containment decides). Without --corpus the texts are the plain-text
golden cases shipped in tests/golden/text (few, so the numbers are coarse).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

from datasketch import MinHash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.pipeline.dedupe import content_hash
from worker.pipeline.similar import Candidate, band_keys, closest, shingles
from worker.settings import Settings

MIN_PARAGRAPHS, MIN_WORDS = 4, 120  # long enough to trim, and to carry a link block mid-body
TYPO_RATE, TYPO_MIN_LETTERS = 0.02, 4
BASELINE_JACCARD = 0.5  # datasketch's MinHashLSH default threshold
GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "text"
Article = tuple[str, str, list[str]]  # category, headline, paragraphs
Pair = tuple[str, bool, str, str]  # kind, same story?, body a, body b
SPELLINGS = {
    "colour": "color", "centre": "center", "favour": "favor", "labour": "labor", "defence": "defense",
    "programme": "program", "travelled": "traveled", "analyse": "analyze", "organisation": "organization",
    "recognise": "recognize", "licence": "license", "neighbour": "neighbor", "per cent": "percent",
}  # fmt: skip


def load(corpus: Path | None) -> list[Article]:
    """English MasakhaNEWS articles with at least four paragraphs, or the shipped golden texts."""
    if corpus is None:
        cases = [json.loads(path.read_text()) for path in sorted(GOLDEN.glob("*.expected.json"))]
        return [("news", case["title"] or "", case["paragraphs"]) for case in cases]
    path = corpus / "eng.dev.tsv.gz" if corpus.is_dir() else corpus
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    articles = [(r["category"], r["headline"], [p.strip() for p in r["text"].split("\n") if p.strip()]) for r in rows]
    return [a for a in articles if len(a[2]) >= MIN_PARAGRAPHS and sum(len(p.split()) for p in a[2]) >= MIN_WORDS]


def respell(paragraphs: list[str], draw: random.Random) -> list[str]:
    """British spellings to American ones, and a typo (two letters swapped) in about 2% of words."""
    out = []
    for original in paragraphs:
        paragraph = original
        for british, american in SPELLINGS.items():
            paragraph = paragraph.replace(british, american)
        words = re.sub(r"(\w)is(e|ed|ing)\b", r"\1iz\2", paragraph).split(" ")
        for i, word in enumerate(words):
            if len(word) >= TYPO_MIN_LETTERS and draw.random() < TYPO_RATE:
                j = draw.randrange(len(word) - 1)
                words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        out.append(" ".join(words))
    return out


def transformations(articles: list[Article], draw: random.Random) -> dict[str, Callable[[Article], list[str]]]:
    def headlines(k: int) -> list[str]:
        return ["READ MORE", *(a[1] for a in draw.sample(articles, k))]

    def headline(a: Article) -> list[str]:  # a new headline the parser left in the body
        return [draw.choice(articles)[1] + " - report", *a[2]]

    def link_block(a: Article) -> list[str]:
        middle = len(a[2]) // 2
        return [*a[2][:middle], *headlines(min(8, len(articles) - 1)), *a[2][middle:]]

    def dateline(a: Article) -> list[str]:
        return [f"LONDON, March 3 ({draw.choice(['AFP', 'Reuters', 'AP'])}) - {a[2][0]}", *a[2][1:]]

    def trimmed(a: Article) -> list[str]:
        return a[2][: max(2, round(len(a[2]) * draw.uniform(0.5, 0.7)))]

    def added(a: Article) -> list[str]:
        return [*a[2], *draw.choice(articles)[2][:2]]

    def spelling(a: Article) -> list[str]:
        return respell(a[2], draw)

    def combined(a: Article) -> list[str]:
        return spelling((a[0], a[1], dateline((a[0], a[1], link_block((a[0], a[1], trimmed(a)))))))

    return {f.__name__: f for f in (headline, link_block, dateline, trimmed, added, spelling, combined)}


def build_pairs(articles: list[Article], per_kind: int, seed: int) -> list[Pair]:
    draw = random.Random(seed)
    pairs: list[Pair] = []
    for kind, transform in transformations(articles, draw).items():
        for a in draw.sample(articles, min(per_kind, len(articles))):
            pairs.append((kind, True, _body(a[2]), _body(transform(a))))
    by_category: dict[str, list[Article]] = {}
    for a in articles:
        by_category.setdefault(a[0], []).append(a)
    same_topic = [(a, b) for group in by_category.values() for i, a in enumerate(group) for b in group[i + 1 :]]
    for a, b in draw.sample(same_topic, min(per_kind * 2, len(same_topic))):
        pairs.append(("same_topic", False, _body(a[2]), _body(b[2])))
    ordered = [(a, b) for a in articles for b in articles if a is not b]
    for a, b in draw.sample(ordered, min(per_kind, len(ordered))):
        quote = max(a[2], key=len)  # the longest paragraph, often the quote agencies share
        spot = draw.randrange(1, len(b[2]))
        pairs.append(("shared_quote", False, _body(a[2]), _body([*b[2][:spot], quote, *b[2][spot:]])))
    return pairs


def _body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def exact(a: str, b: str) -> bool:
    return content_hash(a) == content_hash(b)


def jaccard(a: str, b: str) -> bool:
    first, second = MinHash(num_perm=128), MinHash(num_perm=128)
    first.update_batch([s.encode() for s in shingles(a)])
    second.update_batch([s.encode() for s in shingles(b)])
    return bool(first.jaccard(second) >= BASELINE_JACCARD)


def newsingest(threshold: float) -> Callable[[str, str], bool]:
    def decide(a: str, b: str) -> bool:
        if exact(a, b):
            return True
        if not set(band_keys(shingles(a))) & set(band_keys(shingles(b))):
            return False  # never a candidate: the store would not even look at it
        return closest(shingles(b), [Candidate(1, 1, a)], threshold) is not None

    return decide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="MasakhaNEWS folder (or eng.dev.tsv.gz); default: golden texts")
    parser.add_argument("--pairs", type=int, default=200, help="pairs per kind (twice that for same_topic)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--threshold", type=float, default=Settings().near_duplicate_threshold)
    args = parser.parse_args()

    articles = load(args.corpus)
    pairs = build_pairs(articles, args.pairs, args.seed)
    deciders = {
        "exact (spine)": exact,
        "minhash J>=0.5": jaccard,
        f"newsingest c>={args.threshold}": newsingest(args.threshold),
    }
    verdicts = {name: [decide(a, b) for _, _, a, b in pairs] for name, decide in deciders.items()}
    print(
        f"texts: {args.corpus or 'tests/golden/text'} ({len(articles)} articles), {len(pairs)} pairs, seed {args.seed}"
    )
    print(f"{'kind':<14} {'label':<10} {'pairs':>5}  " + "  ".join(f"{name:>22}" for name in deciders))
    for kind in dict.fromkeys(kind for kind, *_ in pairs):
        rows = [i for i, pair in enumerate(pairs) if pair[0] == kind]
        label = pairs[rows[0]][1]
        cells = [sum(verdicts[name][i] == label for i in rows) / len(rows) for name in deciders]
        what = "recall" if label else "correct"
        print(
            f"{kind:<14} {'same' if label else 'different':<10} {len(rows):>5}  "
            + "  ".join(f"{what} {c:>15.3f}" for c in cells)
        )
    for measure in ("precision", "recall"):
        cells = [_score(measure, [p[1] for p in pairs], verdicts[name]) for name in deciders]
        print(f"{'overall':<14} {measure:<10} {len(pairs):>5}  " + "  ".join(f"{c:>22.3f}" for c in cells))


def _score(measure: str, labels: list[bool], said: list[bool]) -> float:
    true_positive = sum(label and s for label, s in zip(labels, said, strict=True))
    base = sum(said) if measure == "precision" else sum(labels)
    return true_positive / base if base else 1.0


if __name__ == "__main__":
    main()
