"""Search: the filters' values beside the words in one GIN index, so a filtered search reads only
the rows that meet both.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A filter by language, country, source, agency or section was a bitmap of its own index, ANDed
# with the words' bitmap: French articles alone are a tenth of the rows (15 ms to list at 1M), and a
# common word's bitmap took 40 ms. As keys of the words' GIN index, a search's words and filters are
# one index scan, which steps through the longer lists by the shorter ones and lists only the rows
# meeting all (15 ms where the bitmaps took 70). Lower-case section, as the search compares it.
_FACETS = """
CREATE FUNCTION article_facets(language text, countries text[], source text, agency text, section text)
    RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_remove(ARRAY['l:' || language, 's:' || source, 'a:' || agency, 'n:' || lower(section)], NULL)
        || array(SELECT 'c:' || country FROM unnest(countries) country);
"""
COLUMNS = "search, article_facets(language, countries, source, agency, section)"


def upgrade() -> None:
    op.execute(_FACETS)
    with op.get_context().autocommit_block():
        # Built beside the words' index, without blocking the workers' writes: the migration takes
        # 140 s at 1M synthetic rows, the ANALYZE included.
        op.execute("SET maintenance_work_mem = '512MB'")
        op.execute(f"CREATE INDEX CONCURRENTLY ix_articles_search_facets ON articles USING gin ({COLUMNS})")
        # It answers a search by words alone as the words' index did, and by country as that one
        # did (nothing else reads countries by index): they would only cost writes.
        op.execute("DROP INDEX CONCURRENTLY ix_articles_search")
        op.execute("DROP INDEX CONCURRENTLY ix_articles_countries")
        # The planner knows an index expression's values only from ANALYZE: without it every filter
        # is taken for 0.5% of the rows until autovacuum's next one.
        op.execute("ANALYZE articles")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY ix_articles_search ON articles USING gin (search)")
        op.execute("CREATE INDEX CONCURRENTLY ix_articles_countries ON articles USING gin (countries)")
        op.execute("DROP INDEX CONCURRENTLY ix_articles_search_facets")
    op.execute("DROP FUNCTION article_facets(text, text[], text, text, text)")
