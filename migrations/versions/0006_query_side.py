"""The query side: the change feed (pending changes, numbered feed, head) and search indexes.

Revision ID: 0006
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every insert or change of an article leaves a pending row in its own transaction; only
# feed_publish() numbers them, one caller at a time (the head row is its lock), and only rows
# already committed are visible to it: numbers are given in commit order, so a reader of
# article_feed never sees a number before all smaller ones (docs/decisions/0004-change-feed.md).
_FUNCTIONS = """
CREATE FUNCTION article_feed_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feed_pending (article_id, created) VALUES (NEW.id, TG_OP = 'INSERT');
    RETURN NULL;
END $$;

CREATE TRIGGER articles_feed_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION article_feed_note();
CREATE TRIGGER articles_feed_update AFTER UPDATE ON articles
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION article_feed_note();

CREATE FUNCTION feed_publish() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    head bigint;
    added bigint;
BEGIN
    -- The row lock serialises publishers; under READ COMMITTED each statement below takes a
    -- snapshot after the previous publisher committed.
    SELECT seq INTO head FROM feed_head WHERE id FOR UPDATE;
    WITH taken AS (
        DELETE FROM feed_pending RETURNING id, article_id, created, noted_at
    ), changed AS (
        SELECT article_id, min(id) AS first, bool_or(created) AS created, max(noted_at) AS changed_at
        FROM taken GROUP BY article_id
    )
    INSERT INTO article_feed (seq, article_id, change, changed_at)
    SELECT head + row_number() OVER (ORDER BY first), article_id,
           CASE WHEN created THEN 'created' ELSE 'updated' END, changed_at
    FROM changed;
    GET DIAGNOSTICS added = ROW_COUNT;
    IF added > 0 THEN
        UPDATE feed_head SET seq = head + added WHERE id;
        PERFORM pg_notify('article_feed', (head + added)::text);
    END IF;
    RETURN head + added;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "feed_pending",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("noted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_pending")),
    )
    op.create_table(
        "article_feed",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("change IN ('created', 'updated')", name=op.f("ck_article_feed_change")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_article_feed")),
    )
    op.create_table(
        "feed_head",
        sa.Column("id", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("id", name=op.f("ck_feed_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_head")),
    )
    op.execute("INSERT INTO feed_head (id, seq) VALUES (true, 0)")
    op.execute(_FUNCTIONS)
    # Browsing by date (the publication date, else when stored) and keyset pagination on it.
    op.add_column(
        "articles",
        sa.Column(
            "sort_date",
            sa.DateTime(timezone=True),
            sa.Computed("coalesce(published_at, created_at)", persisted=True),
            nullable=True,
        ),
    )
    op.create_index("ix_articles_sort_date", "articles", ["sort_date", "id"])
    op.create_index(op.f("ix_articles_source"), "articles", ["source"])
    op.create_index(op.f("ix_articles_language"), "articles", ["language"])


def downgrade() -> None:
    op.drop_index(op.f("ix_articles_language"), table_name="articles")
    op.drop_index(op.f("ix_articles_source"), table_name="articles")
    op.drop_index("ix_articles_sort_date", table_name="articles")
    op.drop_column("articles", "sort_date")
    op.execute("DROP TRIGGER articles_feed_update ON articles")
    op.execute("DROP TRIGGER articles_feed_insert ON articles")
    op.execute("DROP FUNCTION feed_publish()")
    op.execute("DROP FUNCTION article_feed_note()")
    op.drop_table("feed_head")
    op.drop_table("article_feed")
    op.drop_table("feed_pending")
