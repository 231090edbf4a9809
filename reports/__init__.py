"""ReportLab rendering of pre-session reports: a plain data object in, PDF bytes out.

Pure by design: nothing here imports Flask or the database.
"""

from reports.data import (
    DISCUSS_BARRIERS,
    READY_TO_MOVE_UP,
    TOGETHER_LABEL,
    AssignmentRow,
    PartnerReadiness,
    PartnerSummary,
    PreSessionReportData,
    ReadinessWeek,
    ReflectionItem,
    RungInfo,
    TalkingPoint,
    WeekCell,
)
from reports.handout import HandoutData, HandoutStep, render_handout
from reports.render import render_pre_session_report
from reports.talking_points import derive_talking_points

__all__ = [
    "DISCUSS_BARRIERS",
    "READY_TO_MOVE_UP",
    "TOGETHER_LABEL",
    "AssignmentRow",
    "HandoutData",
    "HandoutStep",
    "PartnerReadiness",
    "PartnerSummary",
    "PreSessionReportData",
    "ReadinessWeek",
    "ReflectionItem",
    "RungInfo",
    "TalkingPoint",
    "WeekCell",
    "derive_talking_points",
    "render_handout",
    "render_pre_session_report",
]
