"""Stage models: RawArticle -> ParsedArticle -> DedupedArticle -> EnrichedArticle."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

ContentType = Literal["text/html", "text/plain"]
DatePrecision = Literal["day", "minute", "second"]
# Where a date came from: producer hint, JSON-LD, a meta tag, the URL, visible text, or trafilatura's
# date search over the page ("html").
DateSource = Literal["producer", "jsonld", "meta", "url", "text", "html"]
TimezoneKnowledge = Literal["stated", "inferred", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RawArticle(_Model):
    """One inbound record, as a producer submits it (the argument of `articles.ingest`)."""

    schema_version: Literal[1] = 1
    id: str | None = Field(default=None, min_length=1, max_length=256, description="Producer's own id.")
    url: str | None = Field(default=None, max_length=4096)
    source: str = Field(min_length=1, max_length=256, description="Site or feed name; the URL host if absent.")
    content: str = Field(min_length=1, description="The page: HTML or scraped plain text.")
    content_type: ContentType | None = Field(default=None, description="Sniffed when absent.")
    fetched_at: AwareDatetime | None = None
    title: str | None = Field(default=None, max_length=2048)
    published_at: AwareDatetime | None = None
    language: str | None = Field(default=None, min_length=2, max_length=16)
    authors: list[str] = Field(default_factory=list, max_length=64)
    section: str | None = Field(default=None, max_length=512)

    @model_validator(mode="before")
    @classmethod
    def _source_from_url(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("source") and isinstance(data.get("url"), str):
            host = urlsplit(data["url"]).hostname
            if host:
                return {**data, "source": host.lower().removeprefix("www.")}
        return data

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL")
        return value.strip()


class DatedValue(_Model):
    """A timestamp with how much of it is known and where it came from."""

    value: AwareDatetime
    precision: DatePrecision
    source: DateSource
    timezone: TimezoneKnowledge
    utc_offset_min: int | None = Field(default=None, description="The offset the source gave (local day).")

    @property
    def local_day(self) -> str:
        """The calendar day where it was published (the UTC day when no offset is known)."""
        return (self.value + timedelta(minutes=self.utc_offset_min or 0)).date().isoformat()


class ParsedArticle(_Model):
    """The fields parse found in one submission."""

    submission_id: UUID
    url: str | None
    canonical_url: str | None
    source: str
    producer_id: str | None
    content_type: ContentType
    fetched_at: AwareDatetime | None
    title: str | None
    section: str | None
    authors: list[str]
    agency: str | None
    published: DatedValue | None
    language_hint: str | None
    body: str = Field(min_length=1, description="Clean text, paragraphs separated by a blank line.")
    parser_version: str
    modified: DatedValue | None = None
    description: str | None = None
    site_name: str | None = None
    image_url: str | None = None
    flags: list[str] = Field(default_factory=list, description="Plausibility warnings, e.g. 'date_in_future'.")

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n")


class DedupedArticle(ParsedArticle):
    """A parsed article that is not a known duplicate, with its body fingerprint."""

    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


EntityKind = Literal["person", "organization", "place", "nationality", "facility", "event", "product", "work", "law"]


class Entity(_Model):
    """A named entity of one article: every mention of it (aliases included) counted once."""

    name: str = Field(min_length=1, description="The fullest form in the article, or the gazetteer's name.")
    kind: EntityKind
    key: str = Field(min_length=1, description="Normalised name: entities with one kind and key are one.")
    mentions: int = Field(ge=0, description="Mentions in the body (0: named only in a field, the agency).")
    first_offset: int | None = Field(ge=0, description="Character offset of the first mention in the body.")
    aliases: list[str] = Field(default_factory=list, description="Other forms the article used for it.")


class Quote(_Model):
    """A direct quotation in the body and who said it, when the text attributes it."""

    text: str = Field(min_length=1)
    speaker: str | None
    offset: int = Field(ge=0)


class EnrichedArticle(DedupedArticle):
    """A deduplicated article with language, reading figures, entities and places, ready to store."""

    language: str | None
    language_confidence: float | None = Field(ge=0.0, le=1.0)
    word_count: int = Field(ge=0)
    reading_time_s: int = Field(ge=0)
    entities: list[Entity] = Field(default_factory=list)
    ner_model: str | None = Field(default=None, description="The entity model that ran, name-version.")
    ner_skipped: str | None = Field(default=None, description="Why no entity model ran, if none did.")
    countries: list[str] = Field(default_factory=list, description="ISO 3166-1 alpha-2, first mentioned first.")
    keywords: list[str] = Field(default_factory=list)
    summary: str | None = None
    quotes: list[Quote] = Field(default_factory=list)
    enricher_version: str


class Rejection(_Model):
    """Why a submission cannot become an article (an expected outcome, not an error)."""

    stage: Literal["ingest", "parse", "dedupe", "enrich", "store"]
    reason: str
    detail: str = ""
