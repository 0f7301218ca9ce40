"""Entity F1 (people, organisations, places) of our entity stage beside the plain model, one run.

    python -m bench.ner [--corpus ../shared/corpora/ner-conll2003-dev/eng.testa] [--limit N]

The corpus is CoNLL-2003 style (`token POS chunk NER`, IOB tags, `-DOCSTART-` between
documents). Each document is rebuilt as text (tokens joined by spaces, a sentence per line) and
read by both systems; a predicted entity counts when its type and exact token span match gold.
The default corpus is a small sample the project wrote itself (bench/data/ner-sample.conll).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from worker import nlp as models
from worker.pipeline.entities import find_mentions
from worker.settings import Settings

SAMPLE = Path(__file__).parent / "data" / "ner-sample.conll"
TYPES = ("PER", "ORG", "LOC")
SPACY_TYPES = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
OUR_TYPES = {"person": "PER", "organization": "ORG", "place": "LOC", "facility": "LOC"}

Span = tuple[str, int, int]  # type, first token, one past the last token


@dataclass
class Document:
    text: str
    starts: dict[int, int]  # character offset -> token index, for token starts
    ends: dict[int, int]  # character offset -> token index + 1, for token ends
    gold: set[Span]


def read(path: Path) -> Iterator[Document]:
    """CoNLL documents as text with token offsets and gold spans (IOB1 or IOB2)."""
    sentences: list[list[tuple[str, str]]] = [[]]
    for line in [*path.read_text(encoding="utf-8").splitlines(), "-DOCSTART- -X- -X- O"]:
        if line.startswith("-DOCSTART-"):
            if any(sentences):
                yield _document([s for s in sentences if s])
            sentences = [[]]
        elif not line.strip():
            sentences.append([])
        else:
            parts = line.split()
            sentences[-1].append((parts[0], parts[-1]))


def _document(sentences: list[list[tuple[str, str]]]) -> Document:
    text, starts, ends, tags = "", {}, {}, []
    for sentence in sentences:
        for position, (token, tag) in enumerate(sentence):
            text += " " if position else ("\n" if text else "")
            starts[len(text)] = len(tags)
            text += token
            ends[len(text)] = len(tags) + 1
            tags.append(tag)
    return Document(text, starts, ends, _spans(tags))


def _spans(tags: list[str]) -> set[Span]:
    spans, current = set(), None
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        continues = current is not None and kind == current[0] and prefix == "I"
        if current is not None and not continues:
            spans.add((current[0], current[1], index))
            current = None
        if prefix in ("B", "I") and not continues:
            current = (kind, index)
    return {span for span in spans if span[0] in TYPES}


def _align(document: Document, kind: str | None, start: int, end: int) -> Span | None:
    if kind is None or start not in document.starts or end not in document.ends:
        return None
    return (kind, document.starts[start], document.ends[end])


def plain(nlp: object) -> Callable[[Document], set[Span]]:
    def predict(document: Document) -> set[Span]:
        doc = nlp(document.text)  # type: ignore[operator]
        found = (_align(document, SPACY_TYPES.get(e.label_), e.start_char, e.end_char) for e in doc.ents)
        return {span for span in found if span}

    return predict


def ours(nlp: object) -> Callable[[Document], set[Span]]:
    def predict(document: Document) -> set[Span]:
        mentions = find_mentions(nlp, document.text)  # type: ignore[arg-type]
        found = (_align(document, OUR_TYPES.get(m.kind), m.start, m.end) for m in mentions)
        return {span for span in found if span}

    return predict


def score(documents: list[Document], predict: Callable[[Document], set[Span]]) -> tuple[dict[str, Counter[str]], float]:
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in TYPES}
    began = time.perf_counter()
    for document in documents:
        predicted = predict(document)
        for kind in TYPES:
            gold = {s for s in document.gold if s[0] == kind}
            guess = {s for s in predicted if s[0] == kind}
            counts[kind].update(tp=len(gold & guess), fp=len(guess - gold), fn=len(gold - guess))
    return counts, time.perf_counter() - began


def prf(counts: Counter[str]) -> tuple[float, float, float]:
    p = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    r = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    return p, r, 2 * p * r / max(1e-9, p + r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=SAMPLE)
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--model", default=Settings().spacy_model)
    args = parser.parse_args()
    documents = list(read(args.corpus))[: args.limit]
    nlp = models.load(args.model)
    tokens = sum(len(d.starts) for d in documents)
    print(f"corpus {args.corpus}: {len(documents)} documents, {tokens} tokens; model {args.model}")
    print(f"{'system':<12}{'type':<6}{'gold':>6}{'P':>8}{'R':>8}{'F1':>8}{'seconds':>9}")
    for name, system in (("plain model", plain(nlp)), ("newsingest", ours(nlp))):
        counts, seconds = score(documents, system)
        total: Counter[str] = sum(counts.values(), Counter())
        for kind, row in [*counts.items(), ("all", total)]:
            p, r, f = prf(row)
            gold = row["tp"] + row["fn"]
            timing = f"{seconds:9.1f}" if kind == "all" else ""
            print(f"{name:<12}{kind:<6}{gold:>6}{p:8.3f}{r:8.3f}{100 * f:8.1f}{timing}")


if __name__ == "__main__":
    main()
