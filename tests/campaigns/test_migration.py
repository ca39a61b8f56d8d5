"""Migration 0007: a campaign case opened before it covers its enterprises afterwards; states compressed with lz4."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, text

from app.cases import service as cases
from app.extensions import db
from app.models import campaign_enterprise
from tests.conftest import USING_POSTGRES, World, at
from workflows import clock

from .helpers import covered, make_enterprises, ready_to_launch


def migrate(app: Flask, *args: str) -> None:
    db.session.remove()  # no open transaction may hold a lock on the tables
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output


def test_cases_opened_into_a_campaign_before_0007_cover_their_enterprises_after_it(app: Flask, world: World) -> None:
    made = make_enterprises(3, [world.district])
    campaign = ready_to_launch(world)
    with clock.frozen_at(at("2026-05-28", 9)):
        single = cases.open_case(enterprise_ids=[world.enterprise.id], actor=world.supervisor, campaign_id=campaign.id)
        regional = cases.open_case(enterprise_ids=made.ids[:2], actor=world.supervisor, campaign_id=campaign.id)
        cases.open_case(enterprise_ids=[made.ids[2]], actor=world.supervisor)  # of no campaign: never covered
    expected = {world.enterprise.id: single.id, made.ids[0]: regional.id, made.ids[1]: regional.id}
    campaign_id = campaign.id
    db.session.execute(delete(campaign_enterprise))  # as cases opened this way were left before 0007
    db.session.commit()
    try:
        migrate(app, "downgrade", "0006")
        migrate(app, "upgrade")
    finally:
        migrate(app, "upgrade")
    assert covered(campaign_id) == expected
    if USING_POSTGRES:
        lz4 = db.session.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                      "WHERE name = 'default_toast_compression'")).scalar()
        methods = dict(db.session.execute(text(
            "SELECT attrelid::regclass::text, attcompression FROM pg_attribute "
            "WHERE attname = 'workflow_state' AND attrelid IN ('\"case\"'::regclass, 'campaign'::regclass)")).all())
        assert methods == ({'"case"': "l", "campaign": "l"} if lz4 else {'"case"': "", "campaign": ""})
