"""Reading what `newsingest submit` is given: files, folders and standard input -> records."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from charset_normalizer import from_bytes

from schemas import Rejection

# File name endings we read, and the content type each carries.
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SUFFIXES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".jsonl": None}


def kind_of(path: Path) -> str | None:
    """'.html', '.txt', '.jsonl' (gzip or not) for files we read; None for anything else."""
    suffixes = path.suffixes[-2:] if path.suffix == ".gz" else path.suffixes[-1:]
    first = suffixes[0].lower() if suffixes else ""
    return first if first in _SUFFIXES else None


def expand(paths: list[str]) -> list[Path | str]:
    """Files as given, folders as the readable files under them in name order; '-' is stdin."""
    found: list[Path | str] = []
    for name in paths:
        path = Path(name)
        if name == "-" or not path.is_dir():
            found.append(name if name == "-" else path)
        else:
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p)))
    return found


def count_records(items: list[Path | str]) -> int:
    """How many records the inputs hold (one per page, one per JSON line); 0 if stdin is among them."""
    if "-" in items:
        return 0
    total = 0
    for item in items:
        if kind_of(Path(item)) != ".jsonl":
            total += 1
            continue
        try:
            with _open(item, io.BytesIO()) as stream:
                total += sum(1 for line in stream if line.strip())
        except OSError:
            total += 1  # read() reports it
    return total


def read(item: Path | str, defaults: dict[str, Any], max_bytes: int, stdin: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """(label, record) pairs from one file or stdin; unreadable input comes as a Rejection."""
    label = "stdin" if item == "-" else str(item)
    try:
        with _open(item, stdin) as stream:
            head = stream.peek(1)[:1] if item == "-" else b""
            if kind_of(Path(label)) == ".jsonl" or head == b"{":
                yield from _json_lines(label, stream, max_bytes)
            else:
                yield label, _document(item, label, stream.read(max_bytes + 1), defaults, max_bytes)
    except (OSError, EOFError) as error:
        yield label, Rejection(stage="ingest", reason="unreadable input", detail=str(error))


@contextmanager
def _open(item: Path | str, stdin: IO[bytes]) -> Iterator[io.BufferedReader]:
    """A buffered byte stream of a file (gunzipped when it is gzip) or of stdin; closed after."""
    raw = stdin if item == "-" else Path(item).open("rb")  # noqa: SIM115 - closed by the with below
    with raw:
        stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, raw))
        if stream.peek(2)[:2] == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=stream) as unzipped:
                yield io.BufferedReader(cast(io.RawIOBase, unzipped))
        else:
            yield stream


def _document(item: Path | str, label: str, data: bytes, defaults: dict[str, Any], max_bytes: int) -> Any:
    """One HTML or text page as a record; the size check stops a gzip bomb at the limit."""
    if len(data) > max_bytes:
        return Rejection(stage="ingest", reason="content too large", detail=f"over {max_bytes} bytes")
    fetched = datetime.now(UTC) if item == "-" else datetime.fromtimestamp(Path(item).stat().st_mtime, UTC)
    record = {**defaults, "content": decode(data), "fetched_at": fetched.isoformat()}
    content_type = _SUFFIXES.get(kind_of(Path(label)) or "")
    if content_type:
        record.setdefault("content_type", content_type)
    return record


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), else a declared charset, else the detected one."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    results = from_bytes(data)
    best = results.best()
    if best is None:
        return data.decode("cp1252", errors="replace")
    # Short Latin text often reads equally well in cp1250, cp1252 and cp1257; windows-1252 is
    # the web's commonest legacy encoding (browsers read "latin-1" labels as it), so it wins ties.
    for match in results:
        if match.encoding == "cp1252" and match.chaos <= best.chaos and match.coherence >= best.coherence:
            return str(match)
    return str(best)


def _json_lines(label: str, stream: IO[bytes], max_bytes: int) -> Iterator[tuple[str, Any]]:
    """One record per line, streamed: a file of a million records is never held whole."""
    limit = 2 * max_bytes  # JSON escaping can double the content's size; intake checks it exactly
    for number, line in enumerate(iter(lambda: stream.readline(limit + 1), b""), start=1):
        where = f"{label}:{number}"
        if len(line) > limit and not line.endswith(b"\n"):
            yield where, Rejection(stage="ingest", reason="content too large", detail=f"line over {limit} bytes")
            rest = line
            while rest and not rest.endswith(b"\n"):  # skip the rest of the long line
                rest = stream.readline(limit + 1)
            continue
        if not line.strip():
            continue
        try:
            yield where, json.loads(decode(line))
        except json.JSONDecodeError as error:
            yield where, Rejection(stage="ingest", reason="invalid JSON", detail=str(error))
