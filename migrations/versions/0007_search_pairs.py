"""Search: each article's adjacent word pairs, GIN-indexed, so a phrase reads only rows holding it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The GIN index on `search` holds no positions, so a phrase rechecks the TOASTed vector of every
# row holding all its words. A pair's key is a 32-bit hash of "left right": a collision only adds
# candidates, which the phrase's own tsquery rejects. hashtext is what PostgreSQL's hash indexes on
# text store, so it stays the same across upgrades as they do.
# The pairs are read from the vector: 'simple' keeps every word, so a phrase matches only where its
# words hold positions p, p+1, ..., and every such pair of neighbours is listed (the body's
# positions continue the title's, as in `search`).
_FUNCTIONS = """
CREATE FUNCTION word_pair_key(left_word text, right_word text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN hashtext(left_word || ' ' || right_word);

CREATE FUNCTION word_pairs(vector tsvector) RETURNS integer[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    WITH at AS (SELECT word.lexeme, position FROM unnest(vector) word, unnest(word.positions) position)
    SELECT array(SELECT word_pair_key(a.lexeme, b.lexeme) FROM at a JOIN at b ON b.position = a.position + 1);
END;
"""
# A stored column, not an index on word_pairs(search): an index on the expression rechecks it (the
# whole vector read and split, ~0.15 ms) for every row a phrase's own GIN lookup marks for recheck.
# A generated column cannot read `search`, so it repeats its expression.
SEARCH = "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || setweight(to_tsvector('simple', body), 'B')"


def upgrade() -> None:
    op.execute(_FUNCTIONS)
    op.add_column(
        "articles",
        sa.Column(
            "search_pairs",
            postgresql.ARRAY(sa.Integer()),
            sa.Computed(f"word_pairs({SEARCH})", persisted=True),
            nullable=True,
        ),
    )
    # The build sorts every row's pairs (~130 a synthetic article); the default 64 MB spills.
    op.execute("SET LOCAL maintenance_work_mem = '512MB'")
    op.create_index("ix_articles_search_pairs", "articles", ["search_pairs"], postgresql_using="gin")
    # The planner takes a pair missing from the most common ones for half the least common one's
    # share: with the default 1,000 tracked (0.9% of rows at 1M synthetic articles) a rare phrase
    # looked like 4,300 rows and was searched in date slices that held too few. 10,000 tracked
    # (0.12%) cost ANALYZE a sample of 300,000 rows instead of 30,000: 23 s instead of 1.5 s for the
    # whole table at 1M rows (autovacuum's, after a tenth of the rows changed), 11 s for this column.
    op.execute("ALTER TABLE articles ALTER COLUMN search_pairs SET STATISTICS 1000")
    # Without statistics every phrase is taken for 0.5% of the rows until autovacuum's next ANALYZE.
    op.execute("ANALYZE articles (search_pairs)")
    # The rewrite cleared the visibility map: index-only scans (the date index's, which finds the
    # search's date slices) read the heap until a VACUUM, and a rewrite starts no autovacuum.
    with op.get_context().autocommit_block():
        op.execute("VACUUM articles")


def downgrade() -> None:
    op.drop_index("ix_articles_search_pairs", table_name="articles")
    op.drop_column("articles", "search_pairs")
    op.execute("DROP FUNCTION word_pairs(tsvector)")
    op.execute("DROP FUNCTION word_pair_key(text, text)")
