"""Reading submit's inputs: file kinds, folder expansion, and files or stdin -> records."""

from __future__ import annotations

import gc
import gzip
import io
import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas import Rejection
from worker.sources import expand, kind_of, read

LIMIT = 10_000
MTIME = datetime(2024, 5, 4, 10, 30, tzinfo=UTC)
DEFAULTS = {"source": "daily.example", "section": "Local"}


def read_all(item: Path | str, stdin: io.BytesIO | None = None, max_bytes: int = LIMIT) -> list[tuple[str, Any]]:
    return read_with_leaks(item, stdin, max_bytes)[0]


def read_with_leaks(
    item: Path | str, stdin: io.BytesIO | None = None, max_bytes: int = LIMIT
) -> tuple[list[tuple[str, Any]], list[str]]:
    """The (label, record) pairs, and the files read() left open (as ResourceWarning texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        pairs = list(read(item, dict(DEFAULTS), max_bytes, stdin or io.BytesIO()))
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    return pairs, leaks


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    os.utime(path, (MTIME.timestamp(), MTIME.timestamp()))
    return path


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.html", ".html"), ("a.htm", ".htm"), ("a.txt", ".txt"), ("a.jsonl", ".jsonl"), ("A.HTML", ".html")],
)
def test_kind_of_readable_files(name: str, kind: str) -> None:
    assert kind_of(Path(name)) == kind


@pytest.mark.parametrize(("name", "kind"), [("a.html.gz", ".html"), ("a.jsonl.gz", ".jsonl"), ("a.txt.gz", ".txt")])
def test_kind_of_gzipped_files(name: str, kind: str) -> None:
    assert kind_of(Path(name)) == kind


@pytest.mark.parametrize("name", ["a.pdf", "a.json", "a.gz", "a.tar.gz", "README"])
def test_kind_of_other_files(name: str) -> None:
    assert kind_of(Path(name)) is None


def test_expand_folder_sorted_recursive_known_files_only(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    for name in ["b.txt", "a.html", "notes.pdf", "sub/c.jsonl.gz", "sub/deeper/d.htm", "sub/skip.json"]:
        (tmp_path / name).write_text("x")
    single = tmp_path / "single.pdf"
    assert expand([str(tmp_path / "sub"), "-", str(single)]) == [
        tmp_path / "sub" / "c.jsonl.gz",
        tmp_path / "sub" / "deeper" / "d.htm",
        "-",
        single,
    ]
    assert expand([str(tmp_path)]) == sorted(
        [tmp_path / "a.html", tmp_path / "b.txt", tmp_path / "sub/c.jsonl.gz", tmp_path / "sub/deeper/d.htm"]
    )


def test_read_text_file(tmp_path: Path) -> None:
    path = write(tmp_path / "story.txt", b"Title\nBody of the story.\n")
    assert read_all(path) == [
        (
            str(path),
            {
                "source": "daily.example",
                "section": "Local",
                "content": "Title\nBody of the story.\n",
                "fetched_at": MTIME.isoformat(),
                "content_type": "text/plain",
            },
        )
    ]


def test_read_gzipped_html(tmp_path: Path) -> None:
    html = "<html><body><p>Café story</p></body></html>"
    path = write(tmp_path / "page.html.gz", gzip.compress(html.encode()))
    [(label, record)] = read_all(path)
    assert label == str(path)
    assert record["content"] == html
    assert record["content_type"] == "text/html"
    assert record["fetched_at"] == MTIME.isoformat()


def test_read_gzip_closes_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "page.html.gz", gzip.compress(b"<p>story</p>"))
    pairs, leaks = read_with_leaks(path)
    assert pairs[0][1]["content"] == "<p>story</p>"
    assert leaks == []


def test_read_plain_file_closes_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "story.txt", b"story")
    assert read_with_leaks(path)[1] == []


JSONL = b'{"content": "one", "url": "https://e.example/1"}\n{not json\n\n{"content": "four"}\n'


def check_jsonl(pairs: list[tuple[str, Any]], label: str) -> None:
    assert [where for where, _ in pairs] == [f"{label}:1", f"{label}:2", f"{label}:4"]
    assert pairs[0][1] == {"content": "one", "url": "https://e.example/1"}
    assert isinstance(pairs[1][1], Rejection)
    assert pairs[1][1].reason == "invalid JSON"
    assert pairs[1][1].stage == "ingest"
    assert pairs[2][1] == {"content": "four"}  # defaults are not merged into JSON records


def test_read_jsonl(tmp_path: Path) -> None:
    path = write(tmp_path / "batch.jsonl", JSONL)
    check_jsonl(read_all(path), str(path))


def test_read_jsonl_gz(tmp_path: Path) -> None:
    path = write(tmp_path / "batch.jsonl.gz", gzip.compress(JSONL))
    check_jsonl(read_all(path), str(path))


def test_gzip_bomb_is_stopped_at_the_limit(tmp_path: Path) -> None:
    # 5 MB of zeros, truncated after the first quarter of the compressed stream: a reader
    # that decompressed everything would hit the cut and report an unreadable file instead.
    compressed = gzip.compress(b"\0" * 5_000_000)
    path = write(tmp_path / "bomb.html.gz", compressed[: len(compressed) // 4])
    [(label, rejection)] = read_all(path, max_bytes=1000)
    assert label == str(path)
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "content too large"


def test_document_at_the_limit_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "exact.txt", b"x" * 1000)
    [(_, record)] = read_all(path, max_bytes=1000)
    assert record["content"] == "x" * 1000


@pytest.mark.parametrize(
    "text",
    [
        "Un café noir et un café crème, s'il vous plaît.\n",
        "Le café de la gare a rouvert à Noël, après les travaux, a déclaré le maire.\n",
        "El niño pidió un café con leche en la estación de España.\n",
        "Der Bürgermeister trank einen Café in der Straße am Bahnhof.\n",
    ],
    ids=["french-short", "french", "spanish", "german"],
)
def test_latin1_text_is_decoded(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "latin.txt", text.encode("latin-1"))
    [(_, record)] = read_all(path)
    assert "café" in record["content"].lower()
    assert record["content"] == text


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfHeadline\nBody.\n")
    [(_, record)] = read_all(path)
    assert record["content"] == "Headline\nBody.\n"


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    [(label, rejection)] = read_all(tmp_path / "gone.txt")
    assert label == str(tmp_path / "gone.txt")
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "unreadable input"


def test_stdin_json_lines() -> None:
    stdin = io.BytesIO(json.dumps({"content": "a"}).encode() + b"\n" + json.dumps({"content": "b"}).encode() + b"\n")
    assert read_all("-", stdin) == [("stdin:1", {"content": "a"}), ("stdin:2", {"content": "b"})]


def test_stdin_plain_text_document() -> None:
    before = datetime.now(UTC)
    [(label, record)] = read_all("-", io.BytesIO("Headline\nCafé body.\n".encode()))
    assert label == "stdin"
    assert record["content"] == "Headline\nCafé body.\n"
    assert record["source"] == "daily.example"
    assert "content_type" not in record  # nothing to tell from a name: parse sniffs it
    assert before <= datetime.fromisoformat(record["fetched_at"]) <= datetime.now(UTC)


def test_stdin_gzipped_json_lines() -> None:
    stdin = io.BytesIO(gzip.compress(b'{"content": "zipped"}\n'))
    assert read_all("-", stdin) == [("stdin:1", {"content": "zipped"})]
