"""The KPI figures against values worked out by hand on the fixture of conftest.py (its table is the key).

Each expected figure is a literal; the comment beside it shows the arithmetic from the fixture's table.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import event

from app.cases import service
from app.errors import Forbidden, Invalid
from app.extensions import db
from app.reports.kpis import ENTERPRISE_FIGURES, campaign_kpis
from tests.conftest import at, make_enterprise, make_user
from workflows import clock

from .conftest import AS_OF, KpiWorld

NO_POSITIONS = {"below_floor": 0, "floor_to_baseline": 0, "baseline_to_upper": 0, "above_upper": 0, "none": 0}
NO_AGREEMENTS = {"wage": 0, "comprehensive": 0, "regional": 0, "total": 0}


def rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in report["rows"]}


def pick(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: row[name] for name in names}


def by_user(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["username"]: pick(p, "caseload", "max_caseload", "load_pct", "open_cases", "concluded", "overdue_steps")
            for p in report["instructors"]}


# ---------------------------------------------------------------------------- the campaign, by district
def test_campaign_by_district_as_an_administrator(kpi: KpiWorld) -> None:
    report = campaign_kpis(kpi.world.admin, kpi.campaign.id, "district", AS_OF)
    d1, d2 = rows(report)["210102"], rows(report)["210103"]
    assert [r["label"] for r in report["rows"]] == ["和平区", "沈河区"]

    assert pick(d1, "enterprises", "employees", "women_employees") == {
        "enterprises": 5,          # E1 E3 E4 E5 E6
        "employees": 715,          # 120 + 500 + 15 + 50 + 30
        "women_employees": 295}    # 40 + 200 + 5 + 30 + 20
    assert pick(d1, "covered", "employees_covered", "women_covered", "coverage_pct") == {
        "covered": 4,              # E1 (K1), E3 (K3 completed), E5 E6 (K56); K4 is still negotiating
        "employees_covered": 700,  # 120 + 500 + 50 + 30
        "women_covered": 290,      # 40 + 200 + 30 + 20
        "coverage_pct": D("80.00")}  # 4 / 5
    assert pick(d1, "covered_dynamic", "employees_covered_dynamic", "women_covered_dynamic",
                "dynamic_coverage_pct") == {
        "covered_dynamic": 3,      # E3 (K3b, not of the campaign, in force since 06-16), E5 E6 (K56); K1 starts 07-01
        "employees_covered_dynamic": 580,  # 500 + 50 + 30
        "women_covered_dynamic": 250,      # 200 + 30 + 20
        "dynamic_coverage_pct": D("60.00")}  # 3 / 5
    assert pick(d1, "wage_covered", "wage_coverage_pct", "covered_regional", "employees_covered_regional",
                "regional_share_pct") == {
        "wage_covered": 3,         # E1 (K1), E5 E6 (K56); E3's K3 is comprehensive
        "wage_coverage_pct": D("60.00"),  # 3 / 5
        "covered_regional": 2,     # E5 E6
        "employees_covered_regional": 80,  # 50 + 30
        "regional_share_pct": D("50.00")}  # 2 / 4 covered
    assert d1["agreements"] == {"wage": 2, "comprehensive": 1, "regional": 1, "total": 3}  # K1 K56 | K3 | K56
    assert d1["average_wage_increase_pct"] == D("4.33")  # (6.50 + 2.50 + 4.00) / 3 = 4.333
    assert d1["guideline_positions"] == {**NO_POSITIONS, "below_floor": 1, "floor_to_baseline": 1,
                                         "baseline_to_upper": 1}  # K3 2.50, K56 4.00, K1 6.50
    assert d1["cases"] == 4  # K1 K3 K4 K56
    assert list(d1["cases_by_stage"].items()) == [("negotiation", 1), ("in_force", 2), ("completed", 1)]
    assert (d1["overdue_steps"], d1["overdue_by_step"]) == (1, {"hold_meeting": 1})  # union_team is due on AS_OF

    assert pick(d2, "enterprises", "employees", "women_employees", "covered", "coverage_pct", "covered_dynamic",
                "dynamic_coverage_pct", "regional_share_pct", "average_wage_increase_pct") == {
        "enterprises": 2, "employees": 1320, "women_employees": 340,  # E2 E7: 120 + 1200, 40 + 300
        "covered": 0,              # K2 signed but not yet in force; K7 signed on 07-02, after AS_OF
        "coverage_pct": D("0.00"), "covered_dynamic": 0, "dynamic_coverage_pct": D("0.00"),
        "regional_share_pct": None,  # nothing covered to take a share of
        "average_wage_increase_pct": None}  # no agreement
    assert (d2["agreements"], d2["guideline_positions"]) == (NO_AGREEMENTS, NO_POSITIONS)  # K7's 10 % not yet
    assert (d2["cases"], d2["cases_by_stage"]) == (2, {"filing": 1, "in_force": 1})  # K2, K7
    assert (d2["overdue_steps"], d2["overdue_by_step"]) == (1, {"file_agreement": 1})  # due 06-29

    total = report["total"]
    assert (total["key"], total["label"]) == ("total", "合计")
    assert pick(total, "enterprises", "employees", "women_employees", "covered", "employees_covered",
                "women_covered", "covered_dynamic", "wage_covered", "covered_regional") == {
        "enterprises": 7, "employees": 2035, "women_employees": 635,  # 715 + 1320, 295 + 340
        "covered": 4, "employees_covered": 700, "women_covered": 290,
        "covered_dynamic": 3, "wage_covered": 3, "covered_regional": 2}
    assert pick(total, "coverage_pct", "dynamic_coverage_pct", "wage_coverage_pct", "regional_share_pct") == {
        "coverage_pct": D("57.14"),          # 4 / 7 = 57.142
        "dynamic_coverage_pct": D("42.86"),  # 3 / 7 = 42.857
        "wage_coverage_pct": D("42.86"),     # 3 / 7
        "regional_share_pct": D("50.00")}    # 2 / 4
    assert total["agreements"] == {"wage": 2, "comprehensive": 1, "regional": 1, "total": 3}
    assert total["average_wage_increase_pct"] == D("4.33")
    assert total["cases"] == 6  # K1 K3 K4 K56 K2 K7
    assert total["cases_by_stage"] == {"negotiation": 1, "filing": 1, "in_force": 3, "completed": 1}
    assert report["overdue_by_step"] == [
        {"bpmn_id": "file_agreement", "name": "file_agreement", "name_zh": "企业报送备案", "count": 1},
        {"bpmn_id": "hold_meeting", "name": "hold_meeting", "name_zh": "召开协商会议", "count": 1}]

    # The targets' rates, row by row: coverage of unionised enterprises (any agreement), wage coverage of all,
    # of state-owned, of foreign-invested, of non-public ones with 100 employees or more.
    assert d1["target_rates"] == {
        "coverage_pct": D("100.00"),  # unionised E1 E3 E5, all covered: 3 / 3
        "wage_coverage_pct": D("60.00"),  # 3 / 5
        "state_owned_wage_coverage_pct": D("100.00"),  # E1 by K1: 1 / 1
        "foreign_wage_coverage_pct": D("0.00"),  # E3's K3 is comprehensive: 0 / 1
        "non_public_100_wage_coverage_pct": D("0.00")}  # E3 (500); E5 E6 E4 are under 100: 0 / 1
    assert d2["target_rates"] == {
        "coverage_pct": D("0.00"),  # unionised E2 E7: 0 / 2
        "wage_coverage_pct": D("0.00"), "state_owned_wage_coverage_pct": D("0.00"),  # E7: 0 / 1
        "foreign_wage_coverage_pct": None,  # no foreign-invested enterprise here
        "non_public_100_wage_coverage_pct": D("0.00")}  # E2 (private, 120): 0 / 1
    assert [(t["key"], t["label"], t["target_pct"], t["actual_pct"]) for t in report["targets"]] == [
        ("coverage_pct", "已建工会企业集体合同签订率", D("95.00"), D("60.00")),  # 3 / 5 unionised
        ("wage_coverage_pct", "工资专项集体合同签订率", D("87.00"), D("42.86")),  # 3 / 7
        ("state_owned_wage_coverage_pct", "国有企业工资专项集体合同签订率", D("100.00"), D("50.00")),  # E1 of E1 E7
        ("non_public_100_wage_coverage_pct", "百人以上非公企业工资专项集体合同签订率", D("90.00"), D("0.00")),  # E3 E2
    ]
    assert pick(report["guideline"], "year", "floor_pct", "baseline_pct", "upper_pct") == {
        "year": 2026, "floor_pct": D("3.00"), "baseline_pct": D("6.00"), "upper_pct": D("9.00")}
    assert report["campaign"]["name"] == "2026年双合同月"

    assert by_user(report) == {
        # city-wide open: K4, K9 (2 of their 2); of the campaign: open K4, concluded K1 K3, overdue K4's meeting
        "ins1": {"caseload": 2, "max_caseload": 2, "load_pct": D("100.00"), "open_cases": 1, "concluded": 2,
                 "overdue_steps": 1},
        # open K2 of the default 40 (1 / 40 = 2.5 %); concluded K56; K2's filing is overdue
        "ins2": {"caseload": 1, "max_caseload": 40, "load_pct": D("2.50"), "open_cases": 1, "concluded": 1,
                 "overdue_steps": 1},
    }


# ---------------------------------------------------------------------------- every case, no campaign
def test_without_a_campaign_every_enterprise_and_case_counts(kpi: KpiWorld) -> None:
    report = campaign_kpis(kpi.world.admin, None, "district", AS_OF)
    d1, d2, total = rows(report)["210102"], rows(report)["210103"], report["total"]
    assert report["campaign"] is None and report["targets"] == []

    # District 1: the same enterprises; E1 is covered by K1 and K1old and counted once.
    assert pick(d1, "enterprises", "covered", "employees_covered", "covered_dynamic", "wage_covered") == {
        "enterprises": 5, "covered": 4, "employees_covered": 700, "covered_dynamic": 3, "wage_covered": 3}
    assert d1["agreements"] == {"wage": 3, "comprehensive": 2, "regional": 1, "total": 5}  # K1 K1old K56 | K3 K3b
    assert d1["average_wage_increase_pct"] == D("5.20")  # (6.50 + 7.00 + 2.50 + 6.00 + 4.00) / 5 = 26 / 5
    assert d1["guideline_positions"] == {**NO_POSITIONS, "below_floor": 1, "floor_to_baseline": 1,
                                         "baseline_to_upper": 3}  # K3 | K56 | K1 K1old K3b (6.00 = baseline)
    assert d1["cases_by_stage"] == {"negotiation": 1, "in_force": 3, "completed": 2}

    # District 2 gains E8, covered by K8 (in force 2026-01-01 to 12-31) though its renewal K9 is open.
    assert pick(d2, "enterprises", "employees", "women_employees", "covered", "employees_covered", "women_covered",
                "coverage_pct", "covered_dynamic", "dynamic_coverage_pct", "regional_share_pct") == {
        "enterprises": 3, "employees": 1400, "women_employees": 390,  # E2 E7 E8: 120 + 1200 + 80, 40 + 300 + 50
        "covered": 1, "employees_covered": 80, "women_covered": 50,
        "coverage_pct": D("33.33"),  # 1 / 3
        "covered_dynamic": 1, "dynamic_coverage_pct": D("33.33"),
        "regional_share_pct": D("0.00")}  # 0 / 1
    assert d2["agreements"] == {"wage": 1, "comprehensive": 0, "regional": 0, "total": 1}
    assert d2["average_wage_increase_pct"] == D("5.00")
    assert d2["guideline_positions"] == {**NO_POSITIONS, "none": 1}  # K8 was checked against no guideline
    assert d2["cases_by_stage"] == {"proposal": 1, "filing": 1, "in_force": 2}  # K9 | K2 | K7 K8
    assert d2["overdue_by_step"] == {"enterprise_response": 1, "file_agreement": 1}

    assert pick(total, "enterprises", "employees", "women_employees", "covered", "employees_covered",
                "women_covered", "covered_dynamic", "employees_covered_dynamic", "women_covered_dynamic") == {
        "enterprises": 8, "employees": 2115, "women_employees": 685,  # 715 + 1400, 295 + 390
        "covered": 5, "employees_covered": 780, "women_covered": 340,  # 700 + 80, 290 + 50
        "covered_dynamic": 4, "employees_covered_dynamic": 660, "women_covered_dynamic": 300}  # 580 + 80, 250 + 50
    assert pick(total, "coverage_pct", "dynamic_coverage_pct", "wage_coverage_pct", "regional_share_pct") == {
        "coverage_pct": D("62.50"),          # 5 / 8
        "dynamic_coverage_pct": D("50.00"),  # 4 / 8
        "wage_coverage_pct": D("50.00"),     # E1 E5 E6 E8: 4 / 8
        "regional_share_pct": D("40.00")}    # 2 / 5
    assert total["agreements"] == {"wage": 4, "comprehensive": 2, "regional": 1, "total": 6}
    assert total["target_rates"]["coverage_pct"] == D("60.00")  # unionised E1 E2 E3 E5 E7, covered E1 E3 E5
    assert total["average_wage_increase_pct"] == D("5.17")  # (26.00 + 5.00) / 6 = 5.1666
    assert total["cases"] == 10 and total["overdue_steps"] == 3
    assert [s["bpmn_id"] for s in report["overdue_by_step"]] == ["enterprise_response", "file_agreement",
                                                                 "hold_meeting"]
    assert by_user(report) == {
        "ins1": {"caseload": 2, "max_caseload": 2, "load_pct": D("100.00"), "open_cases": 2,  # K4 K9
                 "concluded": 3, "overdue_steps": 2},  # K1 K3 K3b; K4's meeting, K9's response
        "ins2": {"caseload": 1, "max_caseload": 40, "load_pct": D("2.50"), "open_cases": 1, "concluded": 1,
                 "overdue_steps": 1},
    }


def test_as_of_moves_the_dates_the_figures_are_compared_with(kpi: KpiWorld) -> None:
    """On 2026-07-10 K1 is in force and K7 signed (and in force since 07-05); K4's union team step is late."""
    report = campaign_kpis(kpi.world.admin, kpi.campaign.id, "district", AS_OF.replace(month=7, day=10))
    d1, d2 = rows(report)["210102"], rows(report)["210103"]
    assert (d1["covered"], d1["covered_dynamic"]) == (4, 4)  # E1 now in force too
    assert (d2["covered"], d2["covered_dynamic"]) == (1, 1)  # E7 by K7
    assert d2["agreements"] == {"wage": 0, "comprehensive": 1, "regional": 0, "total": 1}
    assert d2["guideline_positions"] == {**NO_POSITIONS, "above_upper": 1}  # K7's 10.00 > 9.00
    assert d1["overdue_by_step"] == {"hold_meeting": 1, "union_team": 1}


# ---------------------------------------------------------------------------- other groupings
def test_by_industry_a_regional_case_counts_in_each_industry_it_covers(kpi: KpiWorld) -> None:
    report = campaign_kpis(kpi.world.admin, kpi.campaign.id, "industry", AS_OF)
    by = rows(report)
    assert [(r["key"], r["label"]) for r in report["rows"]] == [
        ("C", "制造业"), ("G", "交通运输、仓储和邮政业"), ("H", "住宿和餐饮业")]
    assert pick(by["C"], "enterprises", "employees", "women_employees", "covered", "employees_covered",
                "coverage_pct", "covered_dynamic", "dynamic_coverage_pct") == {
        "enterprises": 3, "employees": 740, "women_employees": 280,  # E1 E3 E2: 120 + 500 + 120, 40 + 200 + 40
        "covered": 2, "employees_covered": 620,  # E1 E3: 120 + 500
        "coverage_pct": D("66.67"),  # 2 / 3
        "covered_dynamic": 1, "dynamic_coverage_pct": D("33.33")}  # E3 by K3b
    assert pick(by["G"], "enterprises", "employees", "covered", "coverage_pct", "covered_regional",
                "regional_share_pct") == {
        "enterprises": 3, "employees": 1245,  # E4 E6 E7: 15 + 30 + 1200
        "covered": 1, "coverage_pct": D("33.33"),  # E6 by K56
        "covered_regional": 1, "regional_share_pct": D("100.00")}
    assert pick(by["H"], "enterprises", "covered", "coverage_pct") == {
        "enterprises": 1, "covered": 1, "coverage_pct": D("100.00")}  # E5 by K56
    assert by["C"]["agreements"] == {"wage": 1, "comprehensive": 1, "regional": 0, "total": 2}  # K1, K3
    assert by["C"]["average_wage_increase_pct"] == D("4.50")  # (6.50 + 2.50) / 2
    # K56 covers E6 (G) and E5 (H): one agreement in each industry's row, one in the total.
    assert by["G"]["agreements"] == by["H"]["agreements"] == {"wage": 1, "comprehensive": 0, "regional": 1,
                                                              "total": 1}
    assert report["total"]["agreements"]["total"] == 3
    assert [by[k]["cases"] for k in "CGH"] == [3, 3, 1]  # K1 K3 K2 | K4 K56 K7 | K56
    assert report["total"]["cases"] == 6
    assert pick(report["total"], "enterprises", "covered", "coverage_pct") == {
        "enterprises": 7, "covered": 4, "coverage_pct": D("57.14")}  # the same total as by district


def test_by_size_band(kpi: KpiWorld) -> None:
    report = campaign_kpis(kpi.world.admin, kpi.campaign.id, "size_band", AS_OF)
    assert [(r["key"], r["label"], r["enterprises"], r["employees"], r["covered"], r["coverage_pct"])
            for r in report["rows"]] == [
        ("micro", "微型（20人以下）", 1, 15, 0, D("0.00")),         # E4
        ("small", "小型（20-299人）", 4, 320, 3, D("75.00")),        # E1 E5 E6 E2: 120 + 50 + 30 + 120; 3 / 4
        ("medium", "中型（300-999人）", 1, 500, 1, D("100.00")),     # E3
        ("large", "大型（1000人及以上）", 1, 1200, 0, D("0.00")),    # E7
    ]


@pytest.mark.parametrize("by", ["district", "industry", "size_band"])
@pytest.mark.parametrize("with_campaign", [True, False])
def test_enterprise_figures_of_the_rows_add_up_to_the_total(kpi: KpiWorld, by: str, with_campaign: bool) -> None:
    report = campaign_kpis(kpi.world.admin, kpi.campaign.id if with_campaign else None, by, AS_OF)
    for name in ENTERPRISE_FIGURES:
        assert sum(r[name] for r in report["rows"]) == report["total"][name], name
    assert all(r["covered"] <= r["enterprises"] and r["covered_dynamic"] <= r["enterprises"] for r in report["rows"])


# ---------------------------------------------------------------------------- who sees what
def test_a_supervisor_sees_only_their_districts_rows_and_totals(kpi: KpiWorld) -> None:
    report = campaign_kpis(kpi.world.supervisor, kpi.campaign.id, "district", AS_OF)
    assert [r["key"] for r in report["rows"]] == ["210102"]
    total = report["total"]
    assert pick(total, "enterprises", "employees", "covered", "coverage_pct", "cases", "overdue_steps") == {
        "enterprises": 5, "employees": 715, "covered": 4, "coverage_pct": D("80.00"), "cases": 4, "overdue_steps": 1}
    assert [s["bpmn_id"] for s in report["overdue_by_step"]] == ["hold_meeting"]
    assert by_user(report) == {
        # the load is city-wide (K9 is in district 2); the rest counts district 1's campaign cases
        "ins1": {"caseload": 2, "max_caseload": 2, "load_pct": D("100.00"), "open_cases": 1, "concluded": 2,
                 "overdue_steps": 1},
        "ins2": {"caseload": 1, "max_caseload": 40, "load_pct": D("2.50"), "open_cases": 0, "concluded": 1,
                 "overdue_steps": 0},  # K56 here; K2 and its late filing are in district 2
    }

    other = campaign_kpis(kpi.world.other_supervisor, kpi.campaign.id, "district", AS_OF)
    assert [r["key"] for r in other["rows"]] == ["210103"]
    assert pick(other["total"], "enterprises", "covered", "coverage_pct", "regional_share_pct", "cases") == {
        "enterprises": 2, "covered": 0, "coverage_pct": D("0.00"), "regional_share_pct": None, "cases": 2}


def test_an_instructor_sees_the_figures_of_their_own_cases(kpi: KpiWorld) -> None:
    report = campaign_kpis(kpi.ins2, kpi.campaign.id, "district", AS_OF)
    assert [(r["key"], r["enterprises"], r["covered"], r["coverage_pct"]) for r in report["rows"]] == [
        ("210102", 2, 2, D("100.00")),  # E5 E6 of K56
        ("210103", 1, 0, D("0.00")),    # E2 of K2
    ]
    assert pick(report["total"], "enterprises", "covered", "coverage_pct", "cases") == {
        "enterprises": 3, "covered": 2, "coverage_pct": D("66.67"), "cases": 2}  # 2 / 3
    assert [p["username"] for p in report["instructors"]] == ["ins2"]


def test_representatives_are_refused(kpi: KpiWorld) -> None:
    for rep in (kpi.world.union, kpi.world.employer):
        with pytest.raises(Forbidden):
            campaign_kpis(rep, kpi.campaign.id)


# ---------------------------------------------------------------------------- edges
def test_an_empty_population_gives_null_rates(kpi: KpiWorld) -> None:
    report = campaign_kpis(kpi.world.admin, kpi.empty_campaign.id, "district", AS_OF)
    total = report["total"]
    assert report["rows"] == []
    assert (total["enterprises"], total["covered"], total["cases"]) == (0, 0, 0)
    assert pick(total, "coverage_pct", "dynamic_coverage_pct", "wage_coverage_pct", "regional_share_pct",
                "average_wage_increase_pct") == dict.fromkeys(
        ["coverage_pct", "dynamic_coverage_pct", "wage_coverage_pct", "regional_share_pct",
         "average_wage_increase_pct"])


def test_an_unknown_campaign_or_grouping_is_invalid(kpi: KpiWorld) -> None:
    with pytest.raises(Invalid) as unknown:
        campaign_kpis(kpi.world.admin, 987654)
    assert "campaign_id" in unknown.value.errors
    with pytest.raises(Invalid) as grouping:
        campaign_kpis(kpi.world.admin, by="ownership")
    assert "by" in grouping.value.errors


def test_the_figures_take_the_same_number_of_queries_however_many_cases(kpi: KpiWorld) -> None:
    """Grouped queries only: no query per enterprise, case, step or instructor."""
    def queries() -> int:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            campaign_kpis(kpi.world.admin, kpi.campaign.id, "district", AS_OF)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    before = queries()
    w = kpi.world
    extra = [make_enterprise(f"新增企业{i}", district, f"92210102MA00000{i}X") for i, district in
             enumerate([w.district, w.district, w.other_district])]
    make_user("ins3", "instructor")
    db.session.commit()
    for enterprise in extra:
        supervisor = w.supervisor if enterprise.district_id == w.district.id else w.other_supervisor
        with clock.frozen_at(at("2026-03-02", 9)):
            service.open_case(enterprise_ids=[enterprise.id], actor=supervisor, campaign_id=kpi.campaign.id)
    assert queries() == before <= 14
