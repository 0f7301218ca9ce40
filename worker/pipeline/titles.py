"""The headline of a page: the visible <h1> that the metadata agrees with, or a metadata title
with the site name cut off ("Harbour ferry returns | Coastline Courier")."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Separators between a headline and a site name in <title> and og:title.
_SEPARATOR = re.compile(r"\s+[|–—\-·•»:/]+\s+|\s*\|\s*|\s+::\s+")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
# An <h1> shorter than this that is not the whole title is a logo or a section label.
_MIN_PARTIAL_H1 = 20


def choose_title(headings: list[str], candidates: list[str], sites: list[str]) -> str | None:
    """The first <h1> a metadata title agrees with; else the first metadata title without site name."""
    metadata = [title for title in candidates if title]
    for heading in headings:
        if any(_agrees(heading, title) for title in metadata):
            return heading
    for title in metadata:
        if stripped := strip_site_name(title, sites):
            return stripped
    return headings[0] if headings else None


def site_names(site_name: str | None, url: str | None) -> list[str]:
    """Names a site goes by in titles: its declared name, its host, the host's main label."""
    found = [site_name] if site_name else []
    host = (urlsplit(url).hostname or "") if url else ""
    host = host.removeprefix("www.")
    if host:
        found += [host, host.split(".")[-2] if host.count(".") >= 1 else host]
    return found


def strip_site_name(title: str, sites: list[str]) -> str:
    """Drop a leading or trailing segment that names the site."""
    segments = [s for s in _SEPARATOR.split(title) if s.strip()]
    if len(segments) < 2:  # noqa: PLR2004 - a title and a site name at least
        return title
    if _is_site(segments[-1], sites):
        return _rejoin(title, segments[:-1], last=True)
    if _is_site(segments[0], sites):
        return _rejoin(title, segments[1:], last=False)
    return title


def _rejoin(title: str, kept: list[str], *, last: bool) -> str:
    """Keep the original separators inside the headline: cut at the site segment's separator."""
    matches = list(_SEPARATOR.finditer(title))
    if last:
        return title[: matches[-1].start()].strip()
    return title[matches[0].end() :].strip()


def _is_site(segment: str, sites: list[str]) -> bool:
    text = _compact(segment)
    if not text:
        return False
    for site in sites:
        name = _compact(site)
        if name and (text == name or (len(name) > 3 and (name in text or text in name))):  # noqa: PLR2004
            return True
    return False


def _compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower().removeprefix("www."))


def _fold(text: str) -> str:
    return " ".join(text.translate(_FOLD).casefold().split())


def _agrees(heading: str, title: str) -> bool:
    """The metadata title is the heading, or starts or ends with it (a site name around it)."""
    heading, title = _fold(heading), _fold(title)
    if heading == title:
        return True
    return len(heading) >= _MIN_PARTIAL_H1 and (title.startswith(heading) or title.endswith(heading))
