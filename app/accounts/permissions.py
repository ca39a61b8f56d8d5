"""The one home of "who may see" and "who may do" for cases; the API, views and scheduler all call it.

A lane of the BPMN is a role key. A user may act on a task of a lane when the lane's role is theirs
and they are bound to the case: the assigned instructor; a union or enterprise representative of
one of the case's enterprises; a supervisor of the case's district. Admins see but never act.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select, true

from ..models import Case, CaseTask, Enterprise, Notification, User, case_enterprise
from ..models.accounts import user_district, user_enterprise

LANE_ROLES = {"instructor": "instructor", "union": "union_rep", "enterprise": "enterprise_rep",
              "bureau": "supervisor"}
ROLE_LANES = {role: lane for lane, role in LANE_ROLES.items()}


def district_ids(user: User) -> list[int]:
    """The districts `user` is bound to, as values.

    Visibility clauses name them as values, not as a subquery on user_district: the planner then reads how
    many cases those very districts hold (its statistics per district) instead of guessing an average
    district, which in a city with one large district made it scan every task for a small one's dashboard.
    """
    return sorted(d.id for d in user.districts)


def enterprise_ids(user: User) -> list[int]:
    """The enterprises a representative is bound to, as values (see `district_ids`)."""
    return sorted(e.id for e in user.enterprises)


def visible_cases_clause(user: User) -> object:
    """A WHERE clause keeping only the cases `user` may see: applied inside every list and read query."""
    if not user.active:
        return false()
    if user.role == "admin":
        return true()
    if user.role == "supervisor":
        return Case.district_id.in_(district_ids(user))
    if user.role == "instructor":
        return Case.instructor_id == user.id
    if user.role in ("union_rep", "enterprise_rep"):
        return exists(select(case_enterprise.c.case_id).where(
            case_enterprise.c.case_id == Case.id, case_enterprise.c.enterprise_id.in_(enterprise_ids(user))))
    return false()


def is_bound(user: User, case: Case) -> bool:
    """Is `user` tied to this case by their role's binding?"""
    if not user.active:
        return False
    if user.role == "admin":
        return True
    if user.role == "supervisor":
        return any(d.id == case.district_id for d in user.districts)
    if user.role == "instructor":
        return case.instructor_id == user.id
    if user.role in ("union_rep", "enterprise_rep"):
        mine = {e.id for e in user.enterprises}
        return any(e.id in mine for e in case.enterprises)
    return False


def can_see_case(user: User, case: Case) -> bool:
    return is_bound(user, case)


def visible_tasks_clause(user: User) -> object:
    """A WHERE clause on CaseTask: the tasks of the cases `user` may see."""
    return CaseTask.case_id.in_(select(Case.id).where(visible_cases_clause(user)))


def visible_enterprises_clause(user: User) -> object:
    """A WHERE clause on Enterprise: admins see all, supervisors their districts', instructors those of
    their cases, representatives their own."""
    if not user.active:
        return false()
    if user.role == "admin":
        return true()
    if user.role == "supervisor":
        return Enterprise.district_id.in_(district_ids(user))
    if user.role == "instructor":
        return Enterprise.id.in_(
            select(case_enterprise.c.enterprise_id).join(Case, Case.id == case_enterprise.c.case_id)
            .where(Case.instructor_id == user.id))
    if user.role in ("union_rep", "enterprise_rep"):
        return Enterprise.id.in_(enterprise_ids(user))
    return false()


# ---------------------------------------------------------------------------- who may do
def is_party(user: User, case: Case) -> bool:
    """A bound person who takes part in the case (not an administrator): may comment and add documents."""
    return user.role in ROLE_LANES and is_bound(user, case)


def can_comment(user: User, case: Case) -> bool:
    return is_party(user, case)


def can_add_document(user: User, case: Case) -> bool:
    return is_party(user, case)


def can_claim_task(user: User, case: Case, task: CaseTask) -> bool:
    """Claiming a task is saying "I will do it": only someone who may complete it."""
    return can_act_in_lane(user, case, task.lane)


def can_assign_task(user: User, case: Case) -> bool:
    """Supervisors of the case's district hand tasks to a person of the task's side."""
    return user.role == "supervisor" and is_bound(user, case)


def can_extend_deadline(user: User, case: Case) -> bool:
    """Extending a statutory clock is the bureau's decision: supervisors of the case's district."""
    return can_act_in_lane(user, case, "bureau")


def can_reassign_cases(user: User) -> bool:
    """Handing an instructor's cases on: administrators anywhere, supervisors within their districts (the
    cases' visibility clause keeps them there)."""
    return user.active and user.role in ("admin", "supervisor")


def can_cancel_case(user: User, case: Case) -> bool:
    return can_act_in_lane(user, case, "bureau")


def can_create_enterprise(user: User, district_id: int) -> bool:
    """Admins register enterprises anywhere; supervisors in their own districts."""
    if not user.active:
        return False
    return user.role == "admin" or (user.role == "supervisor" and any(d.id == district_id for d in user.districts))


def can_edit_enterprise(user: User, enterprise: Enterprise) -> bool:
    return can_create_enterprise(user, enterprise.district_id)


def can_import_enterprises(user: User) -> bool:
    """Importing the registry from a file: administrators, and supervisors with a district (for its rows).

    Asked before the file is read, so whoever may not import learns nothing about the file or the registry.
    """
    if not user.active:
        return False
    return user.role == "admin" or (user.role == "supervisor" and bool(user.districts))


def can_import_enterprise_row(user: User, district_id: int) -> bool:
    """May one row of an import touch district `district_id`? The row's district, and for an enterprise
    already registered its current district too: a supervisor neither registers nor takes over another
    district's enterprise."""
    return can_create_enterprise(user, district_id)


def can_manage_users(user: User) -> bool:
    return user.active and user.role == "admin"


def can_manage_reference(user: User) -> bool:
    """Wage guidelines, holidays and rule sets are the administrators' to change."""
    return user.active and user.role == "admin"


def can_view_kpis(user: User) -> bool:
    """The campaign's figures are the bureau's and the instructors': representatives see their cases, not these."""
    return user.active and user.role in ("admin", "supervisor", "instructor")


def kpi_instructors_clause(user: User) -> object:
    """A WHERE clause on User: the instructors listed in `user`'s KPIs even with no case in scope (idle
    capacity shows): every active one for admins, those bound to a supervisor's districts, an instructor
    themself. Instructors holding a case in scope are listed whatever this says."""
    if not user.active:
        return false()
    if user.role == "admin":
        return and_(User.role == "instructor", User.active.is_(True))
    if user.role == "supervisor":
        mine = select(user_district.c.district_id).where(user_district.c.user_id == user.id)
        return and_(User.role == "instructor", User.active.is_(True), User.id.in_(
            select(user_district.c.user_id).where(user_district.c.district_id.in_(mine))))
    if user.role == "instructor":
        return User.id == user.id
    return false()


def can_see_campaigns(user: User) -> bool:
    """The campaign's plan and progress are the bureau's and the instructors' business, like its KPIs."""
    return user.active and user.role in ("admin", "supervisor", "instructor")


def can_create_campaign(user: User) -> bool:
    """A city's campaign is set up by an administrator or by a supervisor of the bureau's campaign office."""
    return user.active and user.role in ("admin", "supervisor")


def can_act_on_campaign(user: User) -> bool:
    """The campaign's steps are all in the bureau lane: supervisors take them. Administrators set a campaign
    up and may launch it, but do not act in its process, as they do not act on cases."""
    return user.active and user.role == LANE_ROLES["bureau"]


def can_launch_campaign(user: User) -> bool:
    """Administrators launch a campaign's cases anywhere; supervisors in their own districts only."""
    return user.active and (user.role == "admin" or (user.role == "supervisor" and bool(user.districts)))


def launch_districts(user: User) -> set[int] | None:
    """The districts `user` may launch a campaign's cases in: None for anywhere (administrators)."""
    return None if user.role == "admin" else {d.id for d in user.districts}


def can_act_in_lane(user: User, case: Case, lane: str) -> bool:
    """May `user` complete a task of `lane` in `case`? Admins never act on cases."""
    return user.role != "admin" and LANE_ROLES.get(lane) == user.role and is_bound(user, case)


def can_open_case(user: User, district_id: int) -> bool:
    """Supervisors open cases in their own districts."""
    return user.active and user.role == "supervisor" and any(d.id == district_id for d in user.districts)


def actionable_tasks_clause(user: User) -> object:
    """A WHERE clause on CaseTask joined to its Case: the tasks `user` may act on (their role's lane in a case
    they are bound to) that nobody else has claimed, plus any task assigned to them. Admins act on nothing."""
    lane = ROLE_LANES.get(user.role)
    if lane is None or not user.active:
        return false()
    # The caller's query joins the task's case: test visibility on that row, not through a second IN (...).
    return and_(visible_cases_clause(user), or_(
        CaseTask.assignee_id == user.id, and_(CaseTask.lane == lane, CaseTask.assignee_id.is_(None))))


def can_release_task(user: User, case: Case, task: CaseTask) -> bool:
    """Giving a task back: its assignee, if still on its side, or a supervisor of the district."""
    return can_assign_task(user, case) or (task.assignee_id == user.id and can_act_in_lane(user, case, task.lane))


def can_open_cases(user: User) -> bool:
    """Does `user` open cases at all? Asked before any enterprise is looked up, so a refusal reveals nothing."""
    return user.active and user.role == "supervisor" and bool(user.districts)


def visible_notifications_clause(user: User) -> object:
    """A WHERE clause on Notification: a user's notifications are theirs alone, administrators' included.

    A notification may quote a case, a deadline or a person; it was written for one reader.
    """
    if not user.active:
        return false()
    return Notification.user_id == user.id


# ---------------------------------------------------------------------------- who is told
def lane_members_clause(case: Case, lane: str) -> object:
    """A WHERE clause on User: the active people who may act in `lane` of `case` (the mirror of
    can_act_in_lane, as a query), i.e. who is reminded of a step nobody has claimed."""
    role = LANE_ROLES.get(lane)
    if role is None:
        return false()
    bound: object
    if role == "supervisor":
        bound = User.id.in_(select(user_district.c.user_id).where(user_district.c.district_id == case.district_id))
    elif role == "instructor":
        bound = User.id == case.instructor_id if case.instructor_id is not None else false()
    else:
        bound = User.id.in_(select(user_enterprise.c.user_id).where(
            user_enterprise.c.enterprise_id.in_([e.id for e in case.enterprises])))
    return and_(User.active.is_(True), User.role == role, bound)


def has_inbox(user: User) -> bool:
    """Users who owe steps of a lane (instructors, representatives, supervisors) work from an inbox."""
    return user.active and user.role in ROLE_LANES


def can_watch_dashboard(user: User) -> bool:
    """The supervisors' dashboard: supervisors (their districts) and admins (the city)."""
    return user.active and user.role in ("admin", "supervisor")


def can_administer(user: User) -> bool:
    """The admin pages: users and roles, and the reference data (guidelines, holidays, rule sets)."""
    return can_manage_users(user) or can_manage_reference(user)
