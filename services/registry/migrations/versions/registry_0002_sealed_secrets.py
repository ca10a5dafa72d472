"""Registry: integration secrets encrypted at rest (Fernet, ``GONGJIAN_SECRETS_KEY``).

Seals every secret stored in clear by an earlier release; needs the key only when there
is such a secret (the embedded default makes its key file then).

Revision ID: registry_0002
Revises: registry_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from shared.config import Settings
from shared.secrets import SEALED, secrets_box

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None

secrets = sa.table(
    "registry_integration_secrets",
    sa.column("secret_id", sa.Integer),
    sa.column("secret", sa.String),
)


def _rewrite(sealed: bool, transform: str) -> None:
    """Rewrite the secrets that are (or are not) sealed with the box's ``transform``; the
    key is asked for only when there is such a secret."""
    conn = op.get_bind()
    prefixed = secrets.c.secret.startswith(SEALED)
    rows = conn.execute(
        sa.select(secrets.c.secret_id, secrets.c.secret).where(prefixed if sealed else ~prefixed)
    ).all()
    if not rows:
        return
    change = getattr(secrets_box(Settings.from_env()), transform)
    for secret_id, secret in rows:
        conn.execute(
            sa.update(secrets).where(secrets.c.secret_id == secret_id).values(secret=change(secret))
        )


def upgrade() -> None:
    _rewrite(sealed=False, transform="seal")


def downgrade() -> None:
    _rewrite(sealed=True, transform="open")
