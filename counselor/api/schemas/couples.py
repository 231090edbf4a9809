"""Couples with their two partners, and their counselling sessions."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from counselor.api.schemas.common import (
    Args,
    ClinicalText,
    PageSchema,
    UtcDateTime,
    object_id,
    sane_date,
    storable_text,
    text,
    whole,
)
from counselor.i18n import DEFAULT_LANGUAGE, LANGUAGES, supported_language
from counselor.models import CoupleStatus, Partner
from counselor.services import validation as bounds
from counselor.services.couples.email_status import EmailState, email_status
from counselor.services.couples.partner_language import LANGUAGE_MAX, not_spoken

HOUR: dict[str, Any] = {
    "metadata": {"description": "Hour of the day in the partner's time zone, 0–23."}
}
REMINDER_HOUR: dict[str, Any] = {
    "metadata": {
        "description": "The hour reminders are sent, 0–23 in the partner's time zone. An "
        "hour inside the partner's quiet hours (quiet_start_hour to quiet_end_hour) is "
        "refused with 422 and a message naming the nearest hour that works; so are quiet "
        "hours changed to cover the reminder hour."
    }
}

LANGUAGE_WORDS = (
    "The language the partner reads their page and emails in: a BCP 47 tag the service "
    f"speaks ({', '.join(f'{tag} {name}' for tag, name in LANGUAGES.items())}). A regional "
    'tag is stored as its language ("es-MX" and "es_ES" as "es"), which is what a read '
    "gives back; any other language is refused with 422, naming the ones spoken."
)


class LanguageTag(fields.String):
    """A partner's language: read as the supported tag it names, stored and given back as
    that (``services/couples/partner_language.py`` holds the rule and its words)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        tag = super()._deserialize(value, attr, data, **kwargs)
        language = supported_language(tag)
        if language is None:
            raise ma.ValidationError(not_spoken(tag))
        return language


WEEKLY_CHECKIN: dict[str, Any] = {
    "metadata": {
        "description": "Whether the partners' pages offer the weekly healthy-dependence "
        "check-in (GET /couples/{couple_id}/weekly-checkins has the answers). Turning it off "
        "keeps the answers given."
    }
}


REVEAL_TOGETHER: dict[str, Any] = {
    "metadata": {
        "description": "Whether a shared reflection on a step both partners do waits until "
        "the other partner has written theirs for that week (or the week has ended): true "
        "or false for this couple, null for the practice's choice (Settings › Practice)."
    }
}


class RemindersSchema(ma.Schema):
    state = fields.Enum(
        EmailState,
        by_value=True,
        required=True,
        metadata={
            "description": '"on"; "paused": the partner paused reminders until '
            '`paused_until`; "stopped": the partner stopped all emails, which only the '
            "counselor can turn back on. The same the dashboard and the report show."
        },
    )
    paused_until = UtcDateTime(required=True, allow_none=True)


class RemindersField(fields.Nested):
    """A partner's email status (``email_status``), read from the partner itself or, with
    ``partner``, from that attribute of the object dumped."""

    def __init__(self, partner: str | None = None, **kwargs: Any) -> None:
        super().__init__(RemindersSchema, dump_only=True, required=True, **kwargs)
        self.partner = partner

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        partner: Partner = getattr(obj, self.partner) if self.partner else obj
        return email_status(partner)


class PartnerSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    position = fields.Integer(dump_only=True, required=True, metadata={"description": "1 or 2."})
    first_name = fields.String(required=True)
    email = fields.String(required=True)
    timezone = fields.String(required=True, metadata={"description": "IANA time zone."})
    reminder_hour = fields.Integer(required=True)
    quiet_start_hour = fields.Integer(required=True)
    quiet_end_hour = fields.Integer(required=True)
    language = fields.String(
        required=True,
        validate=validate.OneOf(list(LANGUAGES)),
        metadata={"description": LANGUAGE_WORDS},
    )
    unsubscribed_at = UtcDateTime(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "When the partner stopped all emails; null if they did not."},
    )
    reminders = RemindersField()
    created_at = UtcDateTime(dump_only=True, required=True)


class CoupleSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    label = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)
    status = fields.Enum(CoupleStatus, by_value=True, dump_only=True, required=True)
    counselor_email = fields.String(attribute="counselor.email", required=True)
    partners = fields.List(fields.Nested(PartnerSchema), required=True)
    reveal_together = fields.Boolean(
        dump_only=True, required=True, allow_none=True, **REVEAL_TOGETHER
    )
    weekly_checkin = fields.Boolean(dump_only=True, required=True, **WEEKLY_CHECKIN)
    created_at = UtcDateTime(dump_only=True, required=True)
    updated_at = UtcDateTime(dump_only=True, required=True)


class CouplePageSchema(PageSchema):
    items = fields.List(fields.Nested(CoupleSchema), required=True)


class PartnerArgs(Args):
    first_name = text(bounds.FIRST_NAME_MAX, required=True)
    email = text(bounds.EMAIL_MAX, required=True)
    timezone = text(
        bounds.TIMEZONE_MAX, required=True, metadata={"description": "e.g. America/Chicago"}
    )
    reminder_hour = whole(0, 23, **REMINDER_HOUR)
    quiet_start_hour = whole(0, 23, **HOUR)
    quiet_end_hour = whole(0, 23, **HOUR)
    language = LanguageTag(
        validate=validate.Length(max=LANGUAGE_MAX),
        load_default=DEFAULT_LANGUAGE,
        metadata={"description": LANGUAGE_WORDS + " Default: en."},
    )


class CoupleArgs(Args):
    label = text(bounds.LABEL_MAX, required=True)
    external_id = text(
        bounds.EXTERNAL_ID_MAX, allow_none=True, metadata={"description": "The host's own id."}
    )
    counselor_email = text(
        bounds.EMAIL_MAX,
        metadata={"description": "A counselor of the practice; default: its first owner."},
    )
    partners = fields.List(
        fields.Nested(PartnerArgs),
        required=True,
        validate=validate.Length(equal=2, error="A couple has exactly two partners."),
    )


class PartnerChangesArgs(Args):
    """Changes to one partner, named by id; fields left out keep their value."""

    id = object_id(required=True)
    first_name = text(bounds.FIRST_NAME_MAX)
    email = text(bounds.EMAIL_MAX)
    timezone = text(bounds.TIMEZONE_MAX)
    reminder_hour = whole(0, 23, **REMINDER_HOUR)
    quiet_start_hour = whole(0, 23, **HOUR)
    quiet_end_hour = whole(0, 23, **HOUR)
    language = LanguageTag(
        validate=validate.Length(max=LANGUAGE_MAX), metadata={"description": LANGUAGE_WORDS}
    )


class CoupleChangesArgs(Args):
    """Fields left out keep their value."""

    label = text(bounds.LABEL_MAX)
    external_id = text(bounds.EXTERNAL_ID_MAX, allow_none=True)
    status = fields.Enum(CoupleStatus, by_value=True)
    counselor_email = text(bounds.EMAIL_MAX)
    partners = fields.List(
        fields.Nested(PartnerChangesArgs), validate=validate.Length(min=1, max=2)
    )
    # Only JSON true, false or null (marshmallow's Boolean would take "yes" or "off").
    reveal_together = fields.Boolean(
        truthy={True}, falsy={False}, allow_none=True, **REVEAL_TOGETHER
    )
    weekly_checkin = fields.Boolean(**WEEKLY_CHECKIN)


AGENDA: dict[str, Any] = {
    "metadata": {
        "description": "What to cover in the session, written before it (up to 4000 "
        "characters; blank or null clears it). Client text: in the pre-session report, "
        "never in an email."
    }
}
NOTES: dict[str, Any] = {
    "metadata": {
        "description": "The counselor's private notes, written once the session has started "
        "(422 before; up to 4000 characters; blank or null clears them). Client text, like a "
        "reflection: never in an email."
    }
}


class SessionSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    couple_id = fields.Integer(dump_only=True, required=True)
    starts_at = UtcDateTime(required=True)
    external_id = fields.String(required=True, allow_none=True)
    agenda = ClinicalText(allow_none=True, **AGENDA)
    notes = ClinicalText(allow_none=True, **NOTES)
    created_at = UtcDateTime(dump_only=True, required=True)


class SessionPageSchema(PageSchema):
    items = fields.List(fields.Nested(SessionSchema), required=True)


class SessionArgs(Args):
    starts_at = fields.AwareDateTime(
        required=True,
        validate=sane_date,
        metadata={"description": "ISO 8601 with an offset, e.g. 2026-12-01T15:00:00-06:00"},
    )
    external_id = fields.String(
        allow_none=True, validate=[validate.Length(max=bounds.EXTERNAL_ID_MAX), storable_text]
    )
    agenda = text(bounds.SESSION_TEXT_MAX, allow_none=True, **AGENDA)
    notes = text(bounds.SESSION_TEXT_MAX, allow_none=True, **NOTES)


class SessionChangesArgs(Args):
    """Fields left out keep their value."""

    starts_at = fields.AwareDateTime(
        validate=sane_date,
        metadata={
            "description": "ISO 8601 with an offset, e.g. 2026-12-01T15:00:00-06:00. A "
            "session with notes has taken place: a time still to come is refused (422)."
        },
    )
    external_id = fields.String(
        allow_none=True, validate=[validate.Length(max=bounds.EXTERNAL_ID_MAX), storable_text]
    )
    agenda = text(bounds.SESSION_TEXT_MAX, allow_none=True, **AGENDA)
    notes = text(bounds.SESSION_TEXT_MAX, allow_none=True, **NOTES)
