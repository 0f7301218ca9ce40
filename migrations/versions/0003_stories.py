"""Stories, near-duplicate band keys, article versions, syndication; the consumer views.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stable for consumers (README, "Stories and copies"): add columns at the end, never rename.
ARTICLE_COPIES = """
CREATE VIEW article_copies AS
SELECT a.id AS article_id, a.url, a.source, a.story_id, s.canonical_id,
       a.id = s.canonical_id AS is_canonical, a.copy_method AS method, a.match_score AS score
FROM articles a LEFT JOIN stories s ON s.id = a.story_id
"""
ARTICLE_CANONICAL = """
CREATE VIEW article_canonical AS
SELECT s.id AS story_id, s.canonical_id, count(a.id) AS copies
FROM stories s JOIN articles a ON a.story_id = s.id
GROUP BY s.id, s.canonical_id
"""
STATUSES_BEFORE = "status IN ('accepted', 'stored', 'copy', 'duplicate', 'quarantined')"
STATUSES_AFTER = "status IN ('accepted', 'stored', 'copy', 'duplicate', 'version', 'quarantined')"


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("canonical_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_foreign_key(op.f("fk_stories_canonical_id_articles"), "stories", "articles", ["canonical_id"], ["id"])
    op.add_column("articles", sa.Column("match_score", sa.Float(), nullable=True))
    op.add_column("articles", sa.Column("story_id", sa.BigInteger(), nullable=True))
    op.add_column("articles", sa.Column("syndicated", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("articles", sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("articles", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False))
    op.create_foreign_key(op.f("fk_articles_story_id_stories"), "articles", "stories", ["story_id"], ["id"])
    op.create_index(op.f("ix_articles_story_id"), "articles", ["story_id"], unique=False)
    op.create_table(
        "article_bands",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_bands_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("band_key", "article_id", name=op.f("pk_article_bands")),
    )
    op.create_index(op.f("ix_article_bands_article_id"), "article_bands", ["article_id"], unique=False)
    op.create_table(
        "article_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.UUID(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_versions_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_versions")),
        sa.UniqueConstraint("article_id", "version", name=op.f("uq_article_versions_article_id_version")),
    )
    op.drop_constraint(op.f("ck_submissions_status"), "submissions", type_="check")
    op.create_check_constraint(op.f("ck_submissions_status"), "submissions", STATUSES_AFTER)
    _backfill_stories()
    op.execute(ARTICLE_COPIES)
    op.execute(ARTICLE_CANONICAL)


def _backfill_stories() -> None:
    """Articles stored before this revision: an original starts a story, an exact copy joins it.

    Their band keys are not computed here (that needs the application's code): they are found as
    exact copies only until reprocessed.
    """
    op.execute("INSERT INTO stories (canonical_id) SELECT id FROM articles WHERE copy_of IS NULL ORDER BY id")
    op.execute("UPDATE articles a SET story_id = s.id FROM stories s WHERE s.canonical_id = a.id")
    op.execute(
        "UPDATE articles a SET story_id = o.story_id, match_score = 1.0 FROM articles o "
        "WHERE a.copy_of = o.id AND a.story_id IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP VIEW article_canonical")
    op.execute("DROP VIEW article_copies")
    # A version submission updated an existing article: before this revision that was a duplicate.
    op.execute("UPDATE submissions SET status = 'duplicate' WHERE status = 'version'")
    op.drop_constraint(op.f("ck_submissions_status"), "submissions", type_="check")
    op.create_check_constraint(op.f("ck_submissions_status"), "submissions", STATUSES_BEFORE)
    op.drop_table("article_versions")
    op.drop_index(op.f("ix_article_bands_article_id"), table_name="article_bands")
    op.drop_table("article_bands")
    op.drop_index(op.f("ix_articles_story_id"), table_name="articles")
    op.drop_constraint(op.f("fk_articles_story_id_stories"), "articles", type_="foreignkey")
    op.drop_column("articles", "version")
    op.drop_column("articles", "changes")
    op.drop_column("articles", "syndicated")
    op.drop_column("articles", "story_id")
    op.drop_column("articles", "match_score")
    op.drop_table("stories")
