"""Parse fields with provenance (modified date, offsets, description, site, image, flags) and
per-source boilerplate counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT_COLUMNS = (
    "modified_precision",
    "modified_source",
    "modified_timezone",
    "description",
    "site_name",
    "image_url",
)


def upgrade() -> None:
    op.add_column("articles", sa.Column("published_utc_offset_min", sa.Integer(), nullable=True))
    op.add_column("articles", sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("articles", sa.Column("modified_utc_offset_min", sa.Integer(), nullable=True))
    for name in _TEXT_COLUMNS:
        op.add_column("articles", sa.Column(name, sa.Text(), nullable=True))
    op.add_column(
        "articles", sa.Column("flags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False)
    )
    op.create_table(
        "boilerplate",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("line_key", sa.Text(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("source", "line_key", name=op.f("pk_boilerplate")),
    )


def downgrade() -> None:
    op.drop_table("boilerplate")
    op.drop_column("articles", "flags")
    for name in reversed(_TEXT_COLUMNS):
        op.drop_column("articles", name)
    op.drop_column("articles", "modified_utc_offset_min")
    op.drop_column("articles", "modified_at")
    op.drop_column("articles", "published_utc_offset_min")
