"""every campaign case covers its enterprises; workflow states compressed with lz4 on PostgreSQL

Cases opened into a campaign one at a time used to leave no campaign_enterprise row: each enterprise
of such a case is now recorded as covered by its oldest case of the campaign, so that a launch passes
over it, as it does for the cases opened since (they write the row themselves).

On PostgreSQL (14 and later, built with lz4) the serialised workflow of cases and campaigns is
compressed with lz4 instead of pglz: a state of several kilobytes is compressed on every save, and
lz4 does it several times faster for about the same size (bench/campaign_launch.py). Rows written
before keep their pglz values until they are next saved; both read alike.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COMPRESSED = (('case', 'workflow_state'), ('campaign', 'workflow_state'))


def upgrade():
    op.execute(
        'INSERT INTO campaign_enterprise (campaign_id, enterprise_id, case_id) '
        'SELECT c.campaign_id, ce.enterprise_id, min(c.id) '
        'FROM "case" c JOIN case_enterprise ce ON ce.case_id = c.id '
        'WHERE c.campaign_id IS NOT NULL AND NOT EXISTS ('
        '  SELECT 1 FROM campaign_enterprise x '
        '  WHERE x.campaign_id = c.campaign_id AND x.enterprise_id = ce.enterprise_id) '
        'GROUP BY c.campaign_id, ce.enterprise_id')
    if _has_lz4():
        for table, column in COMPRESSED:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN {column} SET COMPRESSION lz4')


def downgrade():
    if _has_lz4():
        for table, column in COMPRESSED:
            op.execute(f'ALTER TABLE "{table}" ALTER COLUMN {column} SET COMPRESSION default')


def _has_lz4() -> bool:
    """PostgreSQL 14 or later built with lz4 (it lists lz4 among default_toast_compression's values)."""
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return False
    return bool(bind.exec_driver_sql(
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)").scalar())
