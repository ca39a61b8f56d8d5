"""The app's engine runtime: parsed BPMN bundles, the shared engine, and the holiday table it counts with."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select

from workflows import clock
from workflows.calendar import DayOverride, HolidayCalendar
from workflows.engine import Engine
from workflows.specs import ProcessBundle, SpecRegistry, read_directory

from ..extensions import db
from ..models import Holiday, ProcessVersion

PROCESSES = ("wage_negotiation", "contract_month")


@dataclass
class EngineRuntime:
    """Everything the case service needs to run a workflow; one per app, shared by its threads."""

    engine: Engine
    specs: SpecRegistry
    current: dict[str, ProcessBundle]
    holidays_token: tuple[Any, ...] | None = None
    holidays_checked_at: float = float("-inf")
    known_versions: set[str] = field(default_factory=set)

    def bundle(self, process_id: str, version: str) -> ProcessBundle:
        """The bundle a case started on: cached, else re-parsed from the stored files of that version."""
        found = self.specs.get(process_id, version)
        if found is not None:
            return found
        row = db.session.execute(select(ProcessVersion).where(ProcessVersion.content_hash == version)).scalar_one()
        return self.specs.load(process_id, row.files)

    def ensure_stored(self, bundle: ProcessBundle) -> None:
        """Store the bundle's files once per version, so a case can be restored after the files change."""
        if bundle.version in self.known_versions:
            return
        exists = db.session.execute(
            select(ProcessVersion.id).where(ProcessVersion.content_hash == bundle.version)
        ).scalar()
        if exists is None:
            db.session.add(ProcessVersion(process_id=bundle.process_id, content_hash=bundle.version,
                                          files=bundle.files, created_at=clock.now()))
            db.session.flush()
        self.known_versions.add(bundle.version)

    def refresh_holidays(self) -> None:
        """Reload the administrator's holiday table when it changed.

        The check is a cheap aggregate query, made at most every HOLIDAY_CHECK_SECONDS: an edit in this
        process applies at once (`invalidate_holidays`), one in another process within that delay.
        """
        now = time.monotonic()
        if now - self.holidays_checked_at < current_app.config["HOLIDAY_CHECK_SECONDS"]:
            return
        self.holidays_checked_at = now
        token = tuple(db.session.execute(select(func.count(), func.max(Holiday.updated_at))).one())
        if token == self.holidays_token:
            return
        rows = db.session.execute(select(Holiday)).scalars().all()
        self.engine.calendar.set_overrides({r.day: DayOverride(r.is_workday, r.name) for r in rows})
        self.holidays_token = token

    def invalidate_holidays(self) -> None:
        """The table changed here: read it again before the next computation."""
        self.holidays_checked_at = float("-inf")


def init_engine(app: Flask) -> None:
    """Parse and validate every process at start: a broken BPMN file stops the app with file and element."""
    clock.set_zone(app.config["TIMEZONE"])
    files = read_directory(app.config["BPMN_DIR"])
    specs = SpecRegistry()
    current = {pid: specs.load(pid, files) for pid in PROCESSES}
    app.extensions["wagecase_engine"] = EngineRuntime(Engine(HolidayCalendar()), specs, current)


def runtime() -> EngineRuntime:
    """The current app's engine runtime."""
    return current_app.extensions["wagecase_engine"]

