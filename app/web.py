"""The overview page: where the city's negotiations stand, by stage and status, with what is overdue.

It shows aggregates only, so it reveals no case to anyone; the per-person pages come with sign-in.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template
from flask_login import current_user
from sqlalchemy import func, select

from workflows import clock

from .cases.labels import STAGE_LABELS
from .extensions import db
from .i18n import current_lang
from .models import Case, CaseTask
from .navigation import home_url

bp = Blueprint("web", __name__)


@bp.get("/")
def overview() -> Any:
    """Signed-in users go to the page they work from; visitors see the city's aggregates."""
    if current_user.is_authenticated and (home := home_url(current_user)):
        return redirect(home)
    lang = current_lang()
    now = clock.now()
    by_stage = dict(db.session.execute(select(Case.stage, func.count()).group_by(Case.stage)).all())
    overdue = dict(db.session.execute(
        select(CaseTask.stage, func.count()).where(CaseTask.state == "ready", CaseTask.due_at < now)
        .group_by(CaseTask.stage)
    ).all())
    by_status = dict(db.session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    rows = [(STAGE_LABELS[s][0 if lang == "zh" else 1], by_stage.get(s, 0), overdue.get(s, 0))
            for s in STAGE_LABELS if by_stage.get(s) or overdue.get(s)]
    return render_template("overview.html", lang=lang, rows=rows, by_status=by_status,
                           total=sum(by_stage.values()), overdue_total=sum(overdue.values()))
