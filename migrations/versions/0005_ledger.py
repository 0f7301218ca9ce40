"""The ledger: producers record submissions first; stage attempts for crash loops; quarantine retries.

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = {
    "stage_attempts": "starts of that stage",
    "repeats": "stage starts beyond the first",
    "sweeps": "times the sweeper re-sent it",
}


def upgrade() -> None:
    op.add_column(
        "submissions", sa.Column("stage", sa.Text(), nullable=True, comment="the stage that last started on it")
    )
    for name, comment in _COUNTERS.items():
        op.add_column("submissions", sa.Column(name, sa.Integer(), server_default="0", nullable=False, comment=comment))
    op.create_index(
        "ix_submissions_open", "submissions", ["updated_at"], postgresql_where=sa.text("status = 'accepted'")
    )
    op.add_column("quarantine", sa.Column("retried_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint("uq_quarantine_submission_id", "quarantine", type_="unique")
    op.create_index(
        "uq_quarantine_open_submission_id",
        "quarantine",
        ["submission_id"],
        unique=True,
        postgresql_where=sa.text("retried_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_quarantine_open_submission_id", table_name="quarantine")
    op.execute("DELETE FROM quarantine WHERE retried_at IS NOT NULL")
    op.create_unique_constraint("uq_quarantine_submission_id", "quarantine", ["submission_id"])
    op.drop_column("quarantine", "retried_at")
    op.drop_index("ix_submissions_open", table_name="submissions")
    for name in ("sweeps", "repeats", "stage_attempts", "stage"):
        op.drop_column("submissions", name)
