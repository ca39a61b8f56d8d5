"""The notifications API: my list with its unread count, marking one or all read, and nobody else's."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.service import transaction
from app.extensions import db
from app.models import Notification, User
from app.notifications import service
from tests.conftest import World, at
from workflows import clock

from .conftest import ApiClient

URL = "/api/v1/notifications"


def notify(user: User, subject: str, day: str = "2026-03-02") -> int:
    with clock.frozen_at(at(day)), transaction():
        row = service.notify(user, "reminder", {"zh": subject, "en": subject.upper()}, "正文", link="/cases/1")[0]
    return row.id


def read_at(notification_id: int) -> object:
    db.session.expire_all()
    return db.session.execute(select(Notification.read_at).where(Notification.id == notification_id)).scalar_one()


def test_i_list_only_my_notifications_newest_first_with_the_unread_count(api: ApiClient, world: World) -> None:
    notify(world.union, "first", "2026-03-02")
    notify(world.union, "second", "2026-03-03")
    notify(world.other_union, "someone else's")

    response = api.get(URL, as_=world.union)

    assert response.status_code == 200
    body = response.get_json()
    assert [n["subject"] for n in body["items"]] == ["second", "first"]
    assert (body["total"], body["unread"], body["page"], body["pages"]) == (2, 2, 1, 1)
    item = body["items"][0]
    assert item["kind"] == "reminder" and item["body"] == "正文" and item["link"] == "/cases/1"
    assert item["read_at"] is None and item["created_at"].startswith("2026-03-03T02:00:00")
    admin = api.get(URL, as_=world.admin).get_json()
    assert (admin["items"], admin["total"], admin["unread"]) == ([], 0, 0)  # administrators too see only their own


def test_the_unread_filter_pages_and_the_count_stays_of_all_unread(api: ApiClient, world: World) -> None:
    ids = [notify(world.union, f"n{i}", f"2026-03-0{i + 1}") for i in range(5)]
    assert api.post(f"{URL}/{ids[0]}/read", as_=world.union).status_code == 200

    unread = api.get(f"{URL}?unread=true&per_page=2&page=2", as_=world.union).get_json()
    assert [n["subject"] for n in unread["items"]] == ["n2", "n1"]
    assert (unread["total"], unread["pages"], unread["unread"]) == (4, 2, 4)
    read = api.get(f"{URL}?unread=false", as_=world.union).get_json()
    assert ([n["subject"] for n in read["items"]], read["total"], read["unread"]) == (["n0"], 1, 4)
    assert api.get(f"{URL}?unread=maybe", as_=world.union).status_code == 422


def test_marking_read_keeps_the_first_time(api: ApiClient, world: World) -> None:
    mine = notify(world.union, "mine")

    clock.set_global(at("2026-03-04", 9))
    first = api.post(f"{URL}/{mine}/read", as_=world.union)
    clock.set_global(at("2026-03-04", 15))
    again = api.post(f"{URL}/{mine}/read", as_=world.union)

    assert first.status_code == again.status_code == 200
    assert first.get_json()["read_at"] == again.get_json()["read_at"]
    assert read_at(mine) == at("2026-03-04", 9)
    assert api.get(URL, as_=world.union).get_json()["unread"] == 0


def test_someone_elses_notification_is_not_found_and_stays_unread(api: ApiClient, world: World) -> None:
    theirs = notify(world.other_union, "theirs")

    for user in (world.union, world.admin, world.supervisor):
        response = api.post(f"{URL}/{theirs}/read", as_=user)
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"
    assert api.post(f"{URL}/987654/read", as_=world.union).status_code == 404
    assert read_at(theirs) is None


def test_read_all_marks_mine_only(api: ApiClient, world: World) -> None:
    mine = [notify(world.union, "a"), notify(world.union, "b")]
    theirs = notify(world.other_union, "c")

    response = api.post(f"{URL}/read-all", as_=world.union)

    assert response.status_code == 200
    assert response.get_json() == {"marked": 2, "unread": 0}
    assert all(read_at(i) is not None for i in mine) and read_at(theirs) is None
    assert api.post(f"{URL}/read-all", as_=world.union).get_json() == {"marked": 0, "unread": 0}
    assert api.get(URL, as_=world.other_union).get_json()["unread"] == 1


def test_notifications_need_a_token(api: ApiClient, world: World) -> None:
    assert api.get(URL).status_code == 401
    assert api.post(f"{URL}/read-all").status_code == 401
