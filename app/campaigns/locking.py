"""Locking a campaign row: one home, for the campaign service and for cases opened into a campaign."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Campaign


def lock(campaign_id: int, skip_locked: bool = False) -> Campaign | None:
    """The campaign row, read afresh and locked for this transaction (None: missing, or skipped as locked).

    FOR NO KEY UPDATE on PostgreSQL: writers of the campaign take turns, while rows that merely refer
    to it (a case, a campaign_enterprise row, inserted by someone else) are not held up.
    """
    query = (select(Campaign).where(Campaign.id == campaign_id)
             .with_for_update(skip_locked=skip_locked, key_share=True).execution_options(populate_existing=True))
    return db.session.execute(query).scalar()
