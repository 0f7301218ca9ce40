"""The wire contract: pydantic models for every stage message. Imports nothing of ours."""

from schemas.article import (
    SCHEMA_VERSION,
    DatedValue,
    DedupedArticle,
    EnrichedArticle,
    Entity,
    EntityKind,
    ParsedArticle,
    Quote,
    RawArticle,
    Rejection,
)

__all__ = [
    "SCHEMA_VERSION",
    "DatedValue",
    "DedupedArticle",
    "EnrichedArticle",
    "Entity",
    "EntityKind",
    "ParsedArticle",
    "Quote",
    "RawArticle",
    "Rejection",
]
