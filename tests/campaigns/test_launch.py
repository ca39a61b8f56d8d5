"""The launch: one case per eligible enterprise, whatever happens to the launcher.

Two thousand enterprises are inserted in bulk. The launch honours every filter, creates no duplicate
when it runs twice or when another launcher takes an enterprise under its feet, and a real
`flask launch-campaign` killed with SIGKILL halfway, then run again, ends with exactly one whole case
per eligible enterprise: never a case without its task row, its audit event or its campaign row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, insert, select, update

from app.audit.service import verify
from app.campaigns import launch, service
from app.cases import service as cases
from app.enterprises.size_bands import size_band
from app.errors import Conflict
from app.extensions import db
from app.models import Campaign, Case, Enterprise, campaign_enterprise
from tests.conftest import World, at
from tests.processes import kill_when, start_flask
from workflows import clock

from .helpers import NOTHING_HALF_MADE, covered, half_made, make_enterprises, ready_to_launch

COUNT = 2_000


def everyone(world: World, made: Any) -> set[int]:
    """Every enterprise of the database: the bulk-made ones and the world's two."""
    return set(made.ids) | {world.enterprise.id, world.other_enterprise.id}


def world_rows(world: World) -> dict[int, dict[str, Any]]:
    """The world's two enterprises as the filters see them."""
    return {e.id: {"district_id": e.district_id, "industry": e.industry, "employees": e.employees,
                   "has_union": e.has_union} for e in (world.enterprise, world.other_enterprise)}


def cases_of(campaign_id: int) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(Case)
                              .where(Case.campaign_id == campaign_id)).scalar_one()


def run(campaign_id: int, filters: dict[str, Any] | None = None, batch: int = 250) -> None:
    with clock.frozen_at(at("2026-06-01", 9)):
        launch.start_launch(campaign_id, filters, actor=None)
        launch.run_launch(campaign_id, batch)


# ---------------------------------------------------------------------------- filters
def test_the_launch_opens_cases_for_exactly_the_enterprises_the_filters_select(world: World) -> None:
    made = make_enterprises(COUNT, [world.district, world.other_district])
    by_id = {**dict(zip(made.ids, made.rows, strict=True)), **world_rows(world)}
    wanted = {"district_ids": [world.district.id], "industries": ["C", "F"], "size_bands": ["small", "medium"],
              "has_union": True, "without_agreement_in_force": True}

    def matches(row: dict[str, Any]) -> bool:
        return (row["district_id"] == world.district.id and row["industry"] in ("C", "F")
                and size_band(row["employees"]) in ("small", "medium") and row["has_union"])

    selected = sorted(i for i, row in by_id.items() if matches(row))
    # Three of them are under an agreement in force (an earlier negotiation): they are left out.
    under_agreement = selected[:3]
    with clock.frozen_at(at("2026-03-02", 9)):
        for enterprise_id in under_agreement:
            cases.open_case(enterprise_ids=[enterprise_id], actor=world.supervisor)
    db.session.execute(update(Case).where(Case.campaign_id.is_(None)).values(status="in_force"))
    db.session.commit()

    campaign = ready_to_launch(world, filters=wanted)
    run(campaign.id)  # no filters given: the list confirmed in the campaign's planning

    expected = set(selected) - set(under_agreement)
    assert 50 < len(expected) < COUNT // 4, "the filters should select a real, partial set"
    assert set(covered(campaign.id)) == expected
    assert cases_of(campaign.id) == len(expected)
    progress = service.launch_progress(db.session.get(Campaign, campaign.id))
    assert (progress["status"], progress["total"], progress["done"]) == ("finished", len(expected), len(expected))
    assert half_made(campaign.id) == NOTHING_HALF_MADE


def test_each_filter_narrows_on_its_own(world: World) -> None:
    made = make_enterprises(200, [world.district, world.other_district])
    rows = {**dict(zip(made.ids, made.rows, strict=True)), **world_rows(world)}
    campaign = ready_to_launch(world)
    for filters, test in [
        ({"district_ids": [world.other_district.id]}, lambda r: r["district_id"] == world.other_district.id),
        ({"industries": ["G"]}, lambda r: r["industry"] == "G"),
        ({"size_bands": ["micro", "large"]}, lambda r: size_band(r["employees"]) in ("micro", "large")),
        ({"has_union": False}, lambda r: not r["has_union"]),
    ]:
        expected = {i for i, row in rows.items() if test(row)}
        assert launch.count_eligible(campaign.id, filters) == len(expected), filters
        found = set(db.session.execute(select(Enterprise.id).where(
            *launch.eligible_clauses(campaign.id, filters))).scalars())
        assert found == expected, filters


# ---------------------------------------------------------------------------- idempotence
def test_launching_twice_creates_no_duplicate(world: World) -> None:
    made = make_enterprises(COUNT, [world.district, world.other_district])
    campaign = ready_to_launch(world)
    run(campaign.id, {})
    first = covered(campaign.id)
    assert set(first) == everyone(world, made)
    assert cases_of(campaign.id) == COUNT + 2

    run(campaign.id, {})  # a second launch of the same list finds nothing left to open
    assert covered(campaign.id) == first
    assert cases_of(campaign.id) == COUNT + 2
    progress = service.launch_progress(db.session.get(Campaign, campaign.id))
    assert (progress["status"], progress["total"], progress["done"]) == ("finished", 0, 0)
    assert half_made(campaign.id) == NOTHING_HALF_MADE
    assert verify().ok


def test_an_enterprise_registered_after_the_launch_is_added_by_the_next_launch(world: World) -> None:
    make_enterprises(20, [world.district])
    campaign = ready_to_launch(world)
    run(campaign.id, {})
    late = make_enterprises(1, [world.district], start=500)
    run(campaign.id, {})
    assert set(covered(campaign.id)) >= set(late.ids)
    assert cases_of(campaign.id) == 23
    assert db.session.get(Campaign, campaign.id).status == "running"


def test_a_batch_that_collides_with_another_launcher_is_rolled_back_whole_and_redone(world: World,
                                                                                     monkeypatch) -> None:
    """Another launcher takes an enterprise of the batch between its query and its INSERT."""
    made = make_enterprises(300, [world.district])
    campaign = ready_to_launch(world)
    with clock.frozen_at(at("2026-05-25", 9)):
        elsewhere = cases.open_case(enterprise_ids=[world.enterprise.id], actor=world.supervisor)
    victim = made.ids[150]
    real = cases.open_campaign_batch
    collisions = []

    def collide(campaign_: Campaign, enterprises: list[Enterprise], actor: Any) -> Any:
        if not collisions and any(e.id == victim for e in enterprises):
            with db.engine.connect() as other:  # another process's transaction, committed first
                other.execute(insert(campaign_enterprise).values(
                    campaign_id=campaign_.id, enterprise_id=victim, case_id=elsewhere.id))
                other.commit()
            collisions.append(victim)
        return real(campaign_, enterprises, actor)

    monkeypatch.setattr(cases, "open_campaign_batch", collide)
    run(campaign.id, {}, batch=100)
    assert collisions == [victim]
    ours = covered(campaign.id)
    assert ours[victim] == elsewhere.id  # the other launcher's case stands; ours was never made
    assert set(ours) == set(made.ids) | {world.enterprise.id, world.other_enterprise.id}
    assert cases_of(campaign.id) == len(made.ids) + 2 - 1  # the victim's case is not a campaign case
    assert half_made(campaign.id)["without_campaign_row"] == []
    assert verify().ok


def test_a_regional_case_covers_its_enterprises_and_the_launch_passes_them_over(world: World) -> None:
    made = make_enterprises(10, [world.district])
    campaign = ready_to_launch(world)
    members = [world.enterprise.id, *made.ids[:3]]
    with clock.frozen_at(at("2026-05-28", 9)):
        regional = service.open_regional_case(campaign.id, members, "机械行业工资集体协商", world.supervisor)
    assert (regional.kind, sorted(e.id for e in regional.enterprises)) == ("regional", sorted(members))
    run(campaign.id, {})
    ours = covered(campaign.id)
    assert {ours[m] for m in members} == {regional.id}
    assert set(ours) == everyone(world, made)
    assert cases_of(campaign.id) == len(everyone(world, made)) - len(members) + 1
    assert half_made(campaign.id) == NOTHING_HALF_MADE


def test_a_case_opened_by_hand_for_the_campaign_is_not_opened_again(world: World) -> None:
    make_enterprises(5, [world.district])
    campaign = ready_to_launch(world)
    with clock.frozen_at(at("2026-05-28", 9)):
        by_hand = cases.open_case(enterprise_ids=[world.enterprise.id], actor=world.supervisor,
                                  campaign_id=campaign.id)
        assert covered(campaign.id) == {world.enterprise.id: by_hand.id}  # covered at once, not at the launch
        with pytest.raises(Conflict) as twice:
            cases.open_case(enterprise_ids=[world.enterprise.id], actor=world.supervisor, campaign_id=campaign.id)
    assert twice.value.details["case_id"] == by_hand.id
    assert cases_of(campaign.id) == 1
    run(campaign.id, {})
    assert covered(campaign.id)[world.enterprise.id] == by_hand.id
    assert half_made(campaign.id) == NOTHING_HALF_MADE


def test_no_case_joins_a_closed_campaign(world: World) -> None:
    campaign = ready_to_launch(world)
    db.session.execute(update(Campaign).where(Campaign.id == campaign.id).values(status="closed"))
    db.session.commit()
    with clock.frozen_at(at("2026-05-28", 9)), pytest.raises(Conflict):
        cases.open_case(enterprise_ids=[world.enterprise.id], actor=world.supervisor, campaign_id=campaign.id)
    assert (cases_of(campaign.id), covered(campaign.id)) == (0, {})


# ---------------------------------------------------------------------------- a launcher killed halfway
def test_a_launch_killed_halfway_and_run_again_ends_with_one_whole_case_per_enterprise(
        app: Flask, world: World, tmp_path: Path) -> None:
    made = make_enterprises(COUNT, [world.district, world.other_district])
    campaign = ready_to_launch(world)
    eligible = everyone(world, made)

    output = tmp_path / "launch.out"
    proc = start_flask(app, ["launch-campaign", campaign.name, "--batch", "50"], output)
    kill_when(proc, lambda: len(covered(campaign.id)) >= 100, output, "the launch")
    db.session.rollback()
    before = covered(campaign.id)
    assert 0 < len(before) < len(eligible), "the kill did not land in the middle of the launch"
    assert len(before) % 50 == 0, "a batch was cut in two"
    assert half_made(campaign.id) == NOTHING_HALF_MADE
    interrupted = db.session.get(Campaign, campaign.id)
    assert (interrupted.status, interrupted.launch_done, interrupted.launch_finished_at) == (
        "launching", len(before), None)

    rerun = app.test_cli_runner().invoke(args=["launch-campaign", str(campaign.id), "--batch", "300"])
    assert rerun.exit_code == 0, rerun.output
    assert f"resuming the launch of {campaign.name}: {len(before)} of {len(eligible)} done" in rerun.output
    assert f"launched {len(eligible) - len(before)} case(s) in this run" in rerun.output
    assert f"{len(eligible)} of {len(eligible)} done, status running" in rerun.output

    after = covered(campaign.id)
    assert set(after) == eligible
    assert {k: after[k] for k in before} == before  # what the killed run committed stays as it was
    assert cases_of(campaign.id) == len(eligible)
    assert half_made(campaign.id) == NOTHING_HALF_MADE
    db.session.expire_all()
    done = db.session.get(Campaign, campaign.id)
    # The command runs on the wall clock, months after this June campaign: its summaries are due at once.
    assert (done.status, done.stage, done.launch_finished_at is not None) == ("running", "summaries", True)
    assert verify().ok


# ---------------------------------------------------------------------------- the command line
def test_the_command_refuses_an_unknown_campaign_and_one_still_planning(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["launch-campaign", "no such campaign"])
    assert unknown.exit_code == 1
    assert "no campaign with id or name 'no such campaign'" in unknown.output
    campaign = ready_to_launch(world)
    with clock.frozen_at(at("2026-05-20", 9)):
        planning = service.create_campaign({"name": "未规划", "year": 2026, "starts_on": clock.today(),
                                            "ends_on": clock.today(), "targets": {"coverage_pct": 90}}, world.admin)
    refused = runner.invoke(args=["launch-campaign", planning.name])
    assert refused.exit_code == 1
    assert "Plan the campaign first" in refused.output
    bad = runner.invoke(args=["launch-campaign", campaign.name, "--district", "浦东新区"])
    assert bad.exit_code == 2
    assert "no district named '浦东新区'" in bad.output
    assert cases_of(campaign.id) == 0


def test_the_command_launches_with_its_filters_and_refuses_other_filters_while_a_launch_runs(
        app: Flask, world: World) -> None:
    make_enterprises(40, [world.district, world.other_district])
    campaign = ready_to_launch(world)
    runner = app.test_cli_runner()
    with clock.frozen_at(at("2026-06-01", 9)):
        launch.start_launch(campaign.id, {"district_ids": [world.district.id]}, actor=None)
    other = runner.invoke(args=["launch-campaign", campaign.name, "--district", world.other_district.name])
    assert other.exit_code == 2
    assert "with other filters is running" in other.output
    resumed = runner.invoke(args=["launch-campaign", campaign.name, "--district", world.district.name])
    assert resumed.exit_code == 0, resumed.output
    assert "21 of 21 done, status running" in resumed.output  # 20 made there + the world's one
    more = runner.invoke(args=["launch-campaign", campaign.name, "--district", world.other_district.code,
                               "--industry", "c", "--union"])
    assert more.exit_code == 0, more.output
    district_2_c_union = db.session.execute(select(func.count()).select_from(Enterprise).where(
        Enterprise.district_id == world.other_district.id, Enterprise.industry == "C",
        Enterprise.has_union.is_(True))).scalar_one()
    assert f"launched {district_2_c_union} case(s) in this run" in more.output
    assert cases_of(campaign.id) == 21 + district_2_c_union
