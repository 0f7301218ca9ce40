"""News agencies whose name in a byline, dateline or credit marks wire copy."""

from __future__ import annotations

import re

# Canonical name -> the spellings seen in bylines and credits. Matched case-sensitively for
# short acronyms (so "ap" in running text is not the Associated Press) and as whole words.
AGENCIES: dict[str, tuple[str, ...]] = {
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "Reuters": ("Reuters", "REUTERS", "Thomson Reuters"),
    "AP": ("AP", "Associated Press", "The Associated Press"),
    "Xinhua": ("Xinhua", "XINHUA", "Xinhua News Agency"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "EFE": ("EFE", "Agencia EFE"),
    "ANSA": ("ANSA",),
    "Kyodo": ("Kyodo", "Kyodo News", "KYODO"),
    "PTI": ("PTI", "Press Trust of India"),
    "IANS": ("IANS",),
    "Anadolu": ("Anadolu", "Anadolu Agency", "AA"),
    "Yonhap": ("Yonhap", "Yonhap News Agency"),
    "TASS": ("TASS", "Tass"),
    "UPI": ("UPI", "United Press International"),
    "Bloomberg": ("Bloomberg", "Bloomberg News"),
    "KNA": ("KNA", "Kenya News Agency"),
    "APA": ("APA",),
    "ANI": ("ANI",),
    "Bernama": ("Bernama", "BERNAMA"),
    "PA": ("PA Media", "Press Association"),
    "CP": ("The Canadian Press", "Canadian Press"),
    "AAP": ("AAP", "Australian Associated Press"),
}

_SPELLINGS = sorted(
    ((spelling, name) for name, spellings in AGENCIES.items() for spelling in spellings),
    key=lambda pair: -len(pair[0]),
)
_PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(s) for s, _ in _SPELLINGS) + r")(?![\w-])")
_BY_SPELLING = dict(_SPELLINGS)


def find_agency(text: str) -> str | None:
    """The canonical name of the first agency named in a short credit text, if any."""
    match = _PATTERN.search(text)
    return _BY_SPELLING[match.group(1)] if match else None


def is_agency_only(text: str) -> bool:
    """True when a credit line names agencies and nothing else ("AFP", "AFP/Reuters")."""
    rest = _PATTERN.sub("", text)
    return find_agency(text) is not None and not re.sub(r"[\s,/&|;-]|and|with", "", rest)
