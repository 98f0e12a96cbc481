"""users and items: the contract's two tables (v1)

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger, sa.Identity(always=False), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        # Registration relies on this constraint (not a SELECT first) to answer 409,
        # so two racing registrations give exactly one 201.
        sa.UniqueConstraint("username", name="users_username_key"),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.BigInteger, sa.Identity(always=False), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column(
            "owner_id",
            sa.BigInteger,
            sa.ForeignKey("users.id", ondelete="CASCADE", name="items_owner_id_fkey"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        # The database backs the contract's rules, so no implementation can store what
        # the contract forbids, whatever its validation layer lets through.
        sa.CheckConstraint("price_cents BETWEEN 0 AND 2147483647", name="items_price_cents_range"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="items_name_length"),
    )
    op.create_index("ix_items_owner_id", "items", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_items_owner_id", table_name="items")
    op.drop_table("items")
    op.drop_table("users")
