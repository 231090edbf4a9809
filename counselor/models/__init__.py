"""SQLAlchemy models, one module per part of the domain (docs/design.md, "Domain")."""

from counselor.models.audit import AuditEvent
from counselor.models.couples import Couple, CoupleSession, CoupleStatus, Partner
from counselor.models.homework import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckIn,
    CheckInSource,
    Visibility,
)
from counselor.models.integration import (
    ApiKey,
    IdempotencyRecord,
    UsedLaunchToken,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.models.ladder import LadderRung, TaskTemplate, TemplateWho, WeeklyCheckinItem
from counselor.models.messaging import (
    ClientLink,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
)
from counselor.models.mixins import OutboxStatus
from counselor.models.practice import (
    Counselor,
    CounselorRole,
    EmailDetail,
    Practice,
    ReminderCadence,
)
from counselor.models.practice_ladder import (
    LadderChangeKind,
    PracticeLadderChange,
    PracticeRungNote,
    PracticeTemplate,
)
from counselor.models.progress import (
    PartnerWeek,
    ProgressCompilation,
    ReadinessSignal,
    ReminderEffect,
    WeeklyProgress,
)
from counselor.models.reports import Report, ReportStatus
from counselor.models.responses import (
    Acknowledgement,
    Noticed,
    ReflectionReply,
    ReplyKind,
    WeeklyAnswer,
)
from counselor.models.security import (
    AccountToken,
    AccountTokenPurpose,
    CounselorSession,
    PasskeyCredential,
    RecoveryCode,
)

__all__ = [
    "AccountToken",
    "AccountTokenPurpose",
    "Acknowledgement",
    "ApiKey",
    "Assignee",
    "Assignment",
    "AssignmentStatus",
    "AuditEvent",
    "CheckIn",
    "CheckInSource",
    "ClientLink",
    "Counselor",
    "CounselorRole",
    "CounselorSession",
    "Couple",
    "CoupleSession",
    "CoupleStatus",
    "EmailDetail",
    "EmailKind",
    "IdempotencyRecord",
    "LadderChangeKind",
    "LadderRung",
    "LinkPurpose",
    "Noticed",
    "OutboxEmail",
    "OutboxStatus",
    "Partner",
    "PartnerWeek",
    "PasskeyCredential",
    "Practice",
    "PracticeLadderChange",
    "PracticeRungNote",
    "PracticeTemplate",
    "ProgressCompilation",
    "ReadinessSignal",
    "RecoveryCode",
    "ReflectionReply",
    "ReminderCadence",
    "ReminderEffect",
    "ReplyKind",
    "Report",
    "ReportStatus",
    "TaskTemplate",
    "TemplateWho",
    "UsedLaunchToken",
    "Visibility",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WeeklyAnswer",
    "WeeklyCheckinItem",
    "WeeklyProgress",
]
