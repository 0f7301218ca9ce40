"""Re-casing all-caps headlines so that an entity model trained on ordinary text can read them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from worker.pipeline.agencies import AGENCIES
from worker.pipeline.places import country_of

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# A line is a headline in capitals when at least this share of its letters are capitals.
_CAPS_SHARE = 0.8
_MIN_WORDS = 1
# Shorter lines ("US", "OK") are acronyms, not headlines.
_MIN_LETTERS = 4
# A place name this short in capitals is an abbreviation ("US", "UK", "UAE"): it stays as is.
_ACRONYM_MAX_CHARS = 3
_ACRONYMS = frozenset(spelling for spellings in AGENCIES.values() for spelling in spellings if spelling.isupper())


def is_shouting(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    words = _WORD.findall(line)
    capitals = sum(c.isupper() for c in letters)
    return len(words) >= _MIN_WORDS and len(letters) >= _MIN_LETTERS and capitals >= _CAPS_SHARE * len(letters)


def recase(text: str) -> str:
    """The text with every all-caps line re-cased word by word, keeping every character's offset.

    A word takes the casing the same text uses for it elsewhere ("Leicestershire", "victory");
    a word the text never writes otherwise is capitalised if it names a place, kept if it is a
    known acronym, and lower-cased otherwise; the first word of a line is capitalised.
    """
    lines = text.split("\n")
    if not any(is_shouting(line) for line in lines):
        return text
    spellings = _spellings(line for line in lines if not is_shouting(line))
    return "\n".join(_recase_line(line, spellings) if is_shouting(line) else line for line in lines)


def _spellings(lines: Iterable[str]) -> dict[str, str]:
    """Most frequent non-initial spelling of each word in ordinary lines, by its lower-case form."""
    seen: Counter[str] = Counter()
    for line in lines:
        for index, match in enumerate(_WORD.finditer(line)):
            if index or line[: match.start()].strip():  # sentence-initial capitals say nothing
                seen[match.group()] += 1
    spellings: dict[str, str] = {}
    for word, _ in seen.most_common():
        spellings.setdefault(word.lower(), word)
    return spellings


def _recase_line(line: str, spellings: dict[str, str]) -> str:
    first = True

    def word(match: re.Match[str]) -> str:
        nonlocal first
        upper = match.group()
        cased = spellings.get(upper.lower()) or _guess(upper)
        if first:
            cased, first = cased[:1].upper() + cased[1:], False
        return cased if len(cased) == len(upper) else upper

    return _WORD.sub(word, line)


def _guess(upper: str) -> str:
    if upper in _ACRONYMS:
        return upper
    if country_of(upper) is not None:
        return upper if len(upper) <= _ACRONYM_MAX_CHARS else upper.capitalize()
    return upper.lower()
