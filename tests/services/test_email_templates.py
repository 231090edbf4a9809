"""A sent email is the one the email package and Flask's ``render_template`` would make.
Both bodies — rendered by ``email_templates`` (the app's Jinja environment, the
language's catalogue fetched once per email), shared within a chunk by ``email_bodies``
— equal ``render_template``'s for every kind of partner email in English, Spanish and
German and for a counselor's emails; and what an English and a Spanish partner receive
over SMTP reads, header by header and body by body, as the ``EmailMessage`` built from
the same headers and ``render_template``'s bodies."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr
from types import SimpleNamespace
from typing import Any

import pytest
from flask import render_template
from jinja2 import DictLoader, Environment, select_autoescape

from counselor.extensions import db
from counselor.i18n import in_language
from counselor.models import EmailDetail, EmailKind
from counselor.services.delivery import email_bodies, email_content, mail, mime, outbox
from tests.support import factories
from tests.support.clock import TODAY

pytestmark = pytest.mark.usefixtures("clock", "actor")

PARTNER_KINDS = (
    EmailKind.NEW_STEP,
    EmailKind.LINK,
    EmailKind.REMINDER,
    EmailKind.COUNSELOR_REPLIED,
)


@pytest.fixture
def couples(counselor):
    """An English, a Spanish and a German partner, with a step that has a Spanish
    translation; the practice lists titles, names the counselor, takes replies."""
    practice = counselor.practice
    practice.name = "Consultorio Peña & Müller"
    practice.email_detail = EmailDetail.TITLES
    practice.email_names_counselor = True
    practice.email_counselor_replies = True
    practice.reply_to = "office@example.org"
    counselor.name = "Dana Whitfield"
    made = []
    for first, second in (("en", "es"), ("de", "en")):
        couple = factories.CoupleFactory(
            counselor=counselor,
            partners=[
                {"first_name": "Ana María", "language": first},
                {"first_name": "Jürgen", "language": second},
            ],
        )
        factories.AssignmentFactory(
            couple=couple,
            title="Share a minor worry",
            translations={"es": {"title": "Comparte una pequeña preocupación"}},
            starts_on=TODAY,
        )
        made.append(couple)
    db.session.commit()
    return made


@pytest.fixture
def rendered(monkeypatch) -> list[tuple[str, dict[str, Any], email_content.Content]]:
    """Every email's content: its kind, the context its templates saw, what was made."""
    seen: list[tuple[str, dict[str, Any], email_content.Content]] = []
    real = email_content.render

    def spy(email, to, practice, context, **options):
        content = real(email, to, practice, context, **options)
        seen.append(
            (
                email.kind.value,
                {**context, "practice": practice, "subject": content.subject},
                content,
            )
        )
        return content

    monkeypatch.setattr(email_content, "render", spy)
    return seen


@pytest.fixture
def built(monkeypatch) -> list[mime.Outgoing]:
    seen: list[mime.Outgoing] = []
    real = mime.Outgoing.build

    def spy(headers, text, html):
        message = real(headers, text, html)
        seen.append(message)
        return message

    monkeypatch.setattr(mime.Outgoing, "build", spy)
    return seen


def by_render_template(kind: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """Both bodies as Flask's render_template renders them, in ``language``."""
    with in_language(language):
        return tuple(  # type: ignore[return-value]
            render_template(f"email/{kind}.{ext}", **context, lang=language)
            for ext in ("txt", "html")
        )


def deliver(emails) -> None:
    ids = [email.id for email in emails]
    db.session.commit()
    assert outbox.deliver(mail.EMAILS, ids).done == ids


def test_every_body_is_what_render_template_renders(smtp, counselor, couples, rendered):
    partners = [p for couple in couples for p in couple.partners]
    # Names as the HTML must escape them; several partners alike, so bodies are shared.
    partners[0].first_name, partners[3].first_name = "Zoë & <Kim>", 'Ana "Nani"'
    deliver([mail.queue_email(p, kind) for kind in PARTNER_KINDS for p in partners])
    deliver(
        [
            mail.queue_counselor_email(counselor, EmailKind.PASSWORD_RESET),
            mail.queue_counselor_email(counselor, EmailKind.COUNSELOR_DIGEST),
        ]
    )

    assert len(rendered) == len(PARTNER_KINDS) * len(partners) + 2
    languages = {p.id: p.language for p in partners}
    for kind, context, content in rendered:
        partner = context.get("partner")
        language = languages[partner.id] if partner is not None else "en"
        wanted = by_render_template(kind, context, language)
        assert (content.text, content.html) == wanted, (kind, language)
    assert "Zoë &amp; &lt;Kim&gt;" in rendered[0][2].html


def test_bodies_are_shared_only_when_the_templates_print_the_partners_values(monkeypatch):
    env = Environment(
        loader=DictLoader(
            {
                "plain.txt": "Hi {{ partner.first_name }}: {{ homework_url }} {{ n }}",
                "plain.html": "<p>Hi {{ partner.first_name }}</p><a href={{ unsubscribe_url }}>",
                "upper.txt": "Hi {{ partner.first_name|upper }}",
                "upper.html": "{{ partner.first_name|length }}",
            }
        ),
        autoescape=select_autoescape(["html"]),
    )
    renders: list[str] = []

    def by_jinja(names, context):
        return tuple(env.get_template(name).render(context) for name in names)

    def render(names, context):
        renders.append(names[0])
        return by_jinja(names, context)

    monkeypatch.setattr(email_bodies, "render", render)
    shared = email_bodies.SharedBodies()
    names = ["Ana", "Zoë & <Kim>", "Jo", "Li"]

    def bodies(templates, name, n=1):
        context = {
            "partner": SimpleNamespace(first_name=name),
            "homework_url": f"https://x.org/p/{name[:2]}?a=1&b=2",
            "unsubscribe_url": f"https://x.org/u/{name[:2]}",
            "n": n,
        }
        return shared.render(templates, context), by_jinja(templates, context)

    for name in names:
        got, wanted = bodies(("plain.txt", "plain.html"), name)
        assert got == wanted
    for name in names:
        got, wanted = bodies(("upper.txt", "upper.html"), name)
        assert got == wanted
    got, wanted = bodies(("plain.txt", "plain.html"), "Ana", n=2)  # another group
    assert got == wanted

    # The plain group: its first email and the marked bodies, the rest filled in; the
    # other group's first. The upper group: the marked bodies found wrong, each rendered.
    assert renders.count("plain.txt") == 2 + 1
    assert renders.count("upper.txt") == 1 + len(names)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", PARTNER_KINDS)
def test_what_a_partner_receives_reads_as_the_email_package_would_have_sent_it(
    app, smtp, couples, rendered, built, language, kind
):
    partner = next(p for c in couples for p in c.partners if p.language == language)

    deliver([mail.queue_email(partner, kind)])

    [received] = smtp.messages
    [sent] = built
    [(kind_name, context, _content)] = rendered
    text, html = by_render_template(kind_name, context, language)
    reference = EmailMessage()  # the same headers, the bodies by render_template
    for name, value in sent.headers:
        reference[name] = value
    reference.set_content(text)
    reference.add_alternative(html, subtype="html")
    message = received.message
    assert message.keys() == reference.keys()
    for name in reference:
        if name != "Content-Type":  # the boundary is random
            assert str(message[name]) == str(reference[name]), name
    assert message.get_content_type() == "multipart/alternative"
    for kind_of_body in ("plain", "html"):
        got, wanted = message.get_body((kind_of_body,)), reference.get_body((kind_of_body,))
        assert got.items() == wanted.items()
        # Parsed from SMTP's lines, the received body's lines end in "\r\n".
        assert got.get_content().replace("\r\n", "\n") == wanted.get_content()
    assert received.recipients == [partner.email]
    assert received.envelope_from == parseaddr(app.config["MAIL_DEFAULT_SENDER"])[1]
    assert message["From"].addresses[0].display_name == "Consultorio Peña & Müller"
    assert f'<html lang="{language}">' in message.get_body(("html",)).get_content()
