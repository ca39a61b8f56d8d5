"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from .accounts import ROLES, District, User
from .audit import AuditEvent
from .cases import Case, CaseTask, ProcessVersion, case_enterprise
from .documents import Document
from .enterprises import Enterprise
from .reference import Holiday, WageGuideline

__all__ = [
    "ROLES",
    "AuditEvent",
    "Case",
    "CaseTask",
    "District",
    "Document",
    "Enterprise",
    "Holiday",
    "ProcessVersion",
    "User",
    "WageGuideline",
    "case_enterprise",
]
