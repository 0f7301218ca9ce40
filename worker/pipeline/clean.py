"""Characters that never belong in stored text: NUL, lone surrogates, invisible and bidi controls."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Zero-width space, word joiner, BOM, soft hyphen, and the bidi embeddings, overrides and
# isolates that can make text display differently from what it is ("Trojan Source"). Zero-width
# (non-)joiners stay: Persian and Indic scripts need them. Right-to-left text itself is fine.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\u202a-\u202e\u2066-\u2069\u200e\u200f]")
# C0 and C1 control characters other than tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Text in NFC with invisible formatting and control characters removed."""
    return _CONTROL.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFC", scrub_string(text))))


def scrub_string(text: str) -> str:
    """Remove what PostgreSQL cannot store: NUL characters and unpaired UTF-16 surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def scrub(value: Any) -> Any:
    """scrub_string applied to every string (keys too) of a JSON-like value."""
    if isinstance(value, str):
        return scrub_string(value)
    if isinstance(value, dict):
        return {scrub_string(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value
