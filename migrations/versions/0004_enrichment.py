"""Enrichment: entities shared across articles, their links, and countries, keywords, summary,
quotes and the entity model on every article.

Revision ID: 0004
Revises: 0005
Create Date: 2026-11-26 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = "'person', 'organization', 'place', 'nationality', 'facility', 'event', 'product', 'work', 'law'"


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_entities_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_entities_kind_key")),
    )
    op.create_table(
        "article_entities",
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("first_offset", sa.Integer(), nullable=True),
        sa.Column("aliases", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_entities_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_article_entities_entity_id_entities")),
        sa.PrimaryKeyConstraint("article_id", "entity_id", name=op.f("pk_article_entities")),
    )
    op.create_index(op.f("ix_article_entities_entity_id"), "article_entities", ["entity_id"], unique=False)
    for name in ("countries", "keywords"):
        op.add_column(
            "articles",
            sa.Column(name, postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        )
    op.add_column("articles", sa.Column("summary", sa.Text(), nullable=True))
    op.add_column(
        "articles",
        sa.Column("quotes", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column("articles", sa.Column("ner_model", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("ner_skipped", sa.Text(), nullable=True))
    op.create_index("ix_articles_countries", "articles", ["countries"], unique=False, postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_articles_countries", table_name="articles", postgresql_using="gin")
    for name in ("ner_skipped", "ner_model", "quotes", "summary", "keywords", "countries"):
        op.drop_column("articles", name)
    op.drop_index(op.f("ix_article_entities_entity_id"), table_name="article_entities")
    op.drop_table("article_entities")
    op.drop_table("entities")
