"""A partner's emails in the partner's language (services/delivery/email_content.py): the
subject, both parts, the date and the step titles it may list, sent through the outbox to
a real SMTP server; English as before; a counselor's emails stay English beside them.

The Spanish and German words come from the catalogues (counselor/translations)."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.models import EmailDetail, EmailKind
from counselor.services.delivery import mail, outbox
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.mailserver import ReceivedMail

pytestmark = pytest.mark.usefixtures("clock", "actor")

TITLE = "Share a minor worry"
TITLE_ES = "Comparte una pequeña preocupación"
UNTRANSLATED_TITLE = "Hand over a chore"


@pytest.fixture
def couple(counselor):
    couple = factories.CoupleFactory(
        counselor=counselor,
        partners=[
            {"first_name": "Ana", "language": "es"},
            {"first_name": "Jonas", "language": "de"},
        ],
    )
    couple.practice.name = "Riverside Couples Counselling"
    couple.counselor.name = "Dana Whitfield"
    factories.AssignmentFactory(
        couple=couple,
        title=TITLE,
        instructions="Tell your partner about one small worry this week.",
        translations={
            "es": {
                "title": TITLE_ES,
                "instructions": "Cuéntale a tu pareja una pequeña preocupación esta semana.",
            }
        },
        starts_on=TODAY,
    )
    db.session.commit()
    return couple


def sent(smtp, partner, kind: EmailKind) -> ReceivedMail:
    """The one email of ``kind`` to ``partner``, through the outbox and SMTP."""
    email_id = mail.queue_email(partner, kind).id
    db.session.commit()
    assert outbox.deliver(mail.EMAILS, [email_id]).done == [email_id]
    [received] = [m for m in smtp.messages if m.recipients == [partner.email]]
    return received


def bodies(received: ReceivedMail) -> tuple[str, str]:
    return received.text, received.html


def test_a_spanish_partner_gets_the_new_step_email_in_spanish(smtp, couple):
    ana = couple.partners[0]

    received = sent(smtp, ana, EmailKind.NEW_STEP)

    assert received.message["Subject"] == "Algo nuevo para probar esta semana"
    assert '<html lang="es">' in received.html
    for body in bodies(received):
        for spanish in (
            "Hola, Ana:",
            "Tu terapeuta de Riverside Couples Counselling ha añadido un paso nuevo para que"
            " lo pruebes esta semana.",
            "Esta semana tienes 1 paso pendiente. En tu página verás en qué consiste",
            "Este enlace es solo para ti",
            "Un saludo afectuoso,",
            "Estos pasos acompañan tu terapia, pero no la sustituyen.",
            "Dejar de recibir estos correos",
        ):
            assert spanish in body, spanish
        for english in ("Hi Ana", "has added a new step", "Warm wishes", "Stop these emails"):
            assert english not in body
        assert TITLE_ES not in body and TITLE not in body  # no step text unless allowed
    assert "Ver tus pasos</a>" in received.html
    assert "Aquí tienes tus pasos:" in received.text


def test_a_spanish_reminder_names_the_end_of_the_week_as_spanish_writes_it(smtp, couple):
    couple.practice.email_names_counselor = True
    db.session.commit()

    received = sent(smtp, couple.partners[0], EmailKind.REMINDER)

    assert received.message["Subject"] == "Un pequeño recordatorio sobre los pasos de esta semana"
    for body in bodies(received):
        assert (
            "Un pequeño recordatorio de Dana Whitfield, de Riverside Couples Counselling:"
            " esta semana tienes 1 paso pendiente." in body
        )
        # Wednesday 13 May 2026: the partner's week ends on Sunday the 17th.
        assert "La semana termina el domingo, 17 de mayo." in body
        assert "Dana Whitfield" in body.split("Un saludo afectuoso,", 1)[1]  # signs off


def test_a_german_partner_gets_the_reminder_in_german(smtp, couple):
    jonas = couple.partners[1]

    received = sent(smtp, jonas, EmailKind.REMINDER)

    assert received.message["Subject"] == "Eine kleine Erinnerung an die Schritte dieser Woche"
    assert '<html lang="de">' in received.html
    for body in bodies(received):
        for german in (
            "Hallo Jonas,",
            "Eine kleine Erinnerung von Riverside Couples Counselling: Diese Woche ist noch"
            " 1 Schritt offen.",
            "Die Woche läuft bis Sonntag, 17. Mai.",
            "Herzliche Grüße",
            "Diese E-Mails abbestellen",
        ):
            assert german in body, german
        assert "gentle reminder" not in body


def test_an_english_partner_reads_what_they_always_read(smtp, couple):
    ana = couple.partners[0]
    ana.language = "en"
    db.session.commit()

    new_step = sent(smtp, ana, EmailKind.NEW_STEP)
    smtp.messages.clear()
    reminder = sent(smtp, ana, EmailKind.REMINDER)

    assert new_step.message["Subject"] == "Something new to try this week"
    assert reminder.message["Subject"] == "A gentle reminder about this week's steps"
    assert '<html lang="en">' in new_step.html
    for body in bodies(new_step):
        assert "Hi Ana," in body and "Warm wishes," in body
        assert (
            "Your counselor at Riverside Couples Counselling has added a new step for you to"
            " try this week." in body
        )
        assert "You have 1 step open this week. Your page shows what it asks" in body
        assert "Homework supports your counselling; it is no substitute for it." in body
    for body in bodies(reminder):
        assert "A gentle reminder from your counselor at Riverside Couples Counselling" in body
        assert "This week runs until Sunday, May 17." in body


def test_listed_titles_are_in_the_partners_language_with_a_note_for_one_without(smtp, couple):
    couple.practice.email_detail = EmailDetail.TITLES
    factories.AssignmentFactory(
        couple=couple, title=UNTRANSLATED_TITLE, instructions="Let them do it.", starts_on=TODAY
    )
    db.session.commit()
    ana, jonas = couple.partners

    spanish = sent(smtp, ana, EmailKind.LINK)
    german = sent(smtp, jonas, EmailKind.LINK)

    for body in bodies(spanish):
        assert TITLE_ES in body and UNTRANSLATED_TITLE in body and TITLE not in body
        assert "Algunos de estos pasos aún no están traducidos" in body
        assert "Esta semana tienes 2 pasos pendientes." in body
    assert spanish.message["Subject"] == "Tu enlace a los pasos de esta semana"
    assert TITLE_ES not in str(spanish.message["Subject"])  # titles stay in the body
    for body in bodies(german):  # no German words for either step: both as given
        assert TITLE in body and UNTRANSLATED_TITLE in body
        assert "Einige dieser Schritte sind noch nicht übersetzt" in body


def test_the_reply_note_email_is_in_the_partners_language(smtp, couple):
    couple.practice.email_counselor_replies = True
    couple.practice.email_names_counselor = True
    db.session.commit()

    received = sent(smtp, couple.partners[0], EmailKind.COUNSELOR_REPLIED)

    assert received.message["Subject"] == "Una nota de Dana Whitfield"
    for body in bodies(received):
        assert (
            "Dana Whitfield, de Riverside Couples Counselling, ha respondido a algo que"
            " escribiste. Puedes leerlo en tu página." in body
        )


def test_a_counselors_email_stays_english_beside_a_spanish_partners(smtp, couple):
    ana = couple.partners[0]
    ids = [
        mail.queue_email(ana, EmailKind.NEW_STEP).id,
        mail.queue_counselor_email(couple.counselor, EmailKind.PASSWORD_RESET).id,
    ]
    db.session.commit()

    assert sorted(outbox.deliver(mail.EMAILS, ids).done) == sorted(ids)

    [to_counselor] = [m for m in smtp.messages if m.recipients == [couple.counselor.email]]
    assert to_counselor.message["Subject"] == "Choose a new password"
    assert "Someone, we hope you, asked to choose a new password" in to_counselor.text
    assert '<html lang="en">' in to_counselor.html
    [to_ana] = [m for m in smtp.messages if m.recipients == [ana.email]]
    assert to_ana.message["Subject"] == "Algo nuevo para probar esta semana"
