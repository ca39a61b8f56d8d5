"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from .accounts import ROLES, ApiToken, District, LoginAttempt, User
from .audit import AuditEvent
from .campaigns import Campaign, campaign_enterprise
from .cases import Case, CaseTask, Comment, ProcessVersion, case_enterprise
from .deadlines import DeadlineNotice, DigestSent
from .documents import Document
from .enterprises import Enterprise
from .notifications import Notification, OutboxMessage
from .reference import Holiday, StoredRuleSet, WageGuideline

__all__ = [
    "ROLES",
    "ApiToken",
    "AuditEvent",
    "Campaign",
    "Case",
    "CaseTask",
    "Comment",
    "DeadlineNotice",
    "DigestSent",
    "District",
    "Document",
    "Enterprise",
    "Holiday",
    "LoginAttempt",
    "Notification",
    "OutboxMessage",
    "ProcessVersion",
    "StoredRuleSet",
    "User",
    "WageGuideline",
    "campaign_enterprise",
    "case_enterprise",
]
