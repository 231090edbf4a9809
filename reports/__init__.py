"""ReportLab rendering of pre-session reports: a plain data object in, PDF bytes out.

Pure by design: nothing here imports Flask or the database.
"""

from reports.data import (
    AssignmentRow,
    PartnerSummary,
    PreSessionReportData,
    ReflectionItem,
    RungInfo,
    TalkingPoint,
    WeekCell,
)
from reports.render import render_pre_session_report
from reports.talking_points import derive_talking_points

__all__ = [
    "AssignmentRow",
    "PartnerSummary",
    "PreSessionReportData",
    "ReflectionItem",
    "RungInfo",
    "TalkingPoint",
    "WeekCell",
    "derive_talking_points",
    "render_pre_session_report",
]
