"""How a case's stage is named to people, in Chinese and English (the BPMN names the stages' keys)."""

from __future__ import annotations

from ..i18n import DEFAULT_LANG

STAGE_LABELS: dict[str, tuple[str, str]] = {
    "assignment": ("指派指导员", "Instructor assignment"), "proposal": ("协商要约", "Proposal"),
    "response": ("书面回应", "Response"), "teams": ("产生协商代表", "Representatives"),
    "preparation": ("协商准备", "Preparation"), "negotiation": ("协商会议", "Negotiation"),
    "coordination": ("协调处理", "Coordination"), "draft": ("协议草案", "Draft"),
    "vote": ("职代会表决", "Congress vote"), "signature": ("首席代表签字", "Signature"),
    "filing": ("报送备案", "Filing"), "review": ("审查", "Review"), "publication": ("公布", "Publication"),
    "in_force": ("协议生效", "In force"), "completed": ("已完成", "Completed"), "closed": ("已结案", "Closed"),
    "cancelled": ("已撤销", "Cancelled"),
}


def stage_label(stage: str, lang: str = DEFAULT_LANG) -> str:
    """A stage's name in `lang` ("zh" or "en"); an unknown key is shown as it is."""
    zh, en = STAGE_LABELS.get(stage, (stage, stage))
    return zh if lang == "zh" else en

LANE_LABELS: dict[str, tuple[str, str]] = {
    "bureau": ("人社部门", "the labour bureau"), "instructor": ("指导员", "the instructor"),
    "union": ("工会方", "the union side"), "enterprise": ("企业方", "the enterprise side"),
}


def lane_label(lane: str, lang: str = DEFAULT_LANG) -> str:
    """Who owes a step of a lane, named for people in `lang`."""
    zh, en = LANE_LABELS.get(lane, (lane, lane))
    return zh if lang == "zh" else en
