"""``flask --app counselor …`` commands: thin wrappers over the services.

Each command is one unit of work (``counselor/unit_of_work.py``). A command about one
practice finds it across practices (by slug, or by the id of one of its rows) and then
works in that practice's scope (``counselor/tenancy.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import Flask
from flask_migrate import upgrade

from counselor import backup_cli, couple_cli, tenancy, timeutil
from counselor.extensions import db
from counselor.models import ApiKey, CounselorRole, Couple
from counselor.services import demo
from counselor.services.accounts import counselors, launch
from counselor.services.accounts.api_scopes import DEFAULT_SCOPES, SCOPES
from counselor.services.audit import Actor
from counselor.services.delivery import reminders
from counselor.services.errors import InvalidInput
from counselor.services.homework import ladder
from counselor.services.progress.compile import compile_progress, couples_to_compile
from counselor.services.reports import pre_session as report_files
from counselor.unit_of_work import UnitOfWorkCommand, UnitOfWorkGroup, unit_of_work

ACROSS_PRACTICES = {tenancy.ACROSS_PRACTICES: True}


def register_commands(app: Flask) -> None:
    for command in (init_command, create_practice, create_counselor, set_password, seed_demo):
        app.cli.add_command(command)
    app.cli.add_command(ladder_group)
    app.cli.add_command(progress_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(report_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(launch_secret)
    app.cli.add_command(backup_cli.backup_command)
    app.cli.add_command(backup_cli.restore_command)
    app.cli.add_command(couple_cli.couple_group)


def _fail(error: InvalidInput) -> None:
    for field, messages in error.errors.items():
        click.echo(f"  {field}: {' '.join(messages)}", err=True)
    raise click.exceptions.Exit(2)


@click.command("init", cls=UnitOfWorkCommand)
def init_command() -> None:
    """Create or upgrade the database, then sync the ladder."""
    upgrade()
    _print_sync(ladder.sync_ladder())


@click.command("create-practice", cls=UnitOfWorkCommand)
@click.option("--name", required=True, help="Shown to clients in emails and on reports.")
@click.option("--slug", required=True, help="Short unique id, e.g. north-clinic.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
def create_practice(name: str, slug: str, timezone: str) -> None:
    """Create a practice (a tenant)."""
    try:
        practice = counselors.create_practice(name, slug, timezone)
    except InvalidInput as error:
        _fail(error)
    click.echo(f"Created practice {practice.slug} ({practice.name}).")


@click.command("create-counselor", cls=UnitOfWorkCommand)
@click.option("--practice", "slug", required=True, help="The practice's slug.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--owner", is_flag=True, help="Give the owner role (manages the practice).")
@click.option("--timezone", help="IANA time zone.  [default: the practice's]")
@click.password_option(
    help="Prompted for when not given. At least 12 characters, not easy to guess, not the "
    "counselor's name or email address."
)
def create_counselor(
    slug: str, email: str, name: str, owner: bool, timezone: str | None, password: str
) -> None:
    """Create a counselor who can log into the dashboard."""
    practice = counselors.practice_by_slug(slug)
    if practice is None:
        raise click.BadParameter(f"no practice with slug {slug!r}", param_hint="--practice")
    role = CounselorRole.OWNER if owner else CounselorRole.COUNSELOR
    try:
        with tenancy.practice_scope(practice.id):
            counselor = counselors.create_counselor(
                practice, email, name, password, role, timezone=timezone
            )
    except InvalidInput as error:
        _fail(error)
    click.echo(
        f"Created {counselor.role.value} {counselor.email} in {practice.slug}"
        f" (time zone {counselor.timezone})."
    )


@click.command("set-password", cls=UnitOfWorkCommand)
@click.argument("email")
@click.password_option(help="Prompted for when not given. The same rule as for create-counselor.")
def set_password(email: str, password: str) -> None:
    """Set a counselor's password (e.g. after losing the demo password); every session of
    theirs ends. Counselors can also choose a new one themselves from the login page."""
    counselor = counselors.counselor_by_email(email)
    if counselor is None:
        raise click.BadParameter(f"no counselor with email {email!r}", param_hint="EMAIL")
    try:
        with tenancy.practice_scope(counselor.practice_id):
            counselors.set_password(counselor, password)
    except InvalidInput as error:
        _fail(error)
    click.echo(f"Password changed for {counselor.email}; they are signed out everywhere.")


@click.command("seed-demo", cls=UnitOfWorkCommand)
@click.option("--if-empty", is_flag=True, help="Only when the database holds no practice yet.")
def seed_demo(if_empty: bool) -> None:
    """Add a demo practice with three couples (does nothing if it exists)."""
    with click.progressbar(length=len(demo.couple_plans()), label="Seeding demo couples") as bar:
        login = demo.seed_demo(progress_step=lambda: bar.update(1), only_if_empty=if_empty)
    if login is None:
        click.echo("The database already holds a practice; no demo data added.")
    elif login.password is None:
        click.echo(f"Demo data already present. Demo login: {login.email}")
        click.echo(f"Forgot the password? flask --app counselor set-password {login.email}")
    else:
        click.echo(f"Demo login: {login.email}  password: {login.password}")
        click.echo("This password is shown once; keep it.")


@click.group("ladder", cls=UnitOfWorkGroup)
def ladder_group() -> None:
    """The practical-steps ladder."""


@ladder_group.command("sync")
def ladder_sync() -> None:
    """Load counselor/ladder/ladder.toml into the database (upsert by key): the rungs, their
    templates and the weekly check-in's items."""
    _print_sync(ladder.sync_ladder())


@ladder_group.command("show")
def ladder_show() -> None:
    """Print the shipped ladder as stored in the database (no practice's changes)."""
    rungs = ladder.ladder_rungs()
    if not rungs:
        click.echo("The ladder is empty: run `flask --app counselor ladder sync`.")
        return
    for rung in rungs:
        click.secho(f"{rung.position}. {rung.title}  [{rung.key}]", bold=True)
        click.echo(f"   {rung.purpose}")
        for template in ladder.base_active_templates(rung):
            who = "together" if template.who.value == "together" else "each partner"
            click.echo(
                f"   - {template.title}  [{template.key}] "
                f"{template.times_per_week}x/week, {who}, v{template.version}"
            )


def _print_sync(result: ladder.SyncResult) -> None:
    if not result.changed:
        click.echo("Ladder is up to date.")
        return
    for label, keys in (
        ("added", result.created),
        ("updated", result.updated),
        ("retired", result.retired),
    ):
        if keys:
            click.echo(f"Ladder {label}: {', '.join(keys)}")
    for label, keys in (
        ("added", result.items_created),
        ("updated", result.items_updated),
        ("retired", result.items_retired),
    ):
        if keys:
            click.echo(f"Weekly check-in items {label}: {', '.join(keys)}")
    if result.steps_translated:
        click.echo(f"Steps given earlier now carry their translations: {result.steps_translated}")


@click.group("reminders", cls=UnitOfWorkGroup)
def reminders_group() -> None:
    """Partner reminders."""


@reminders_group.command("preview")
@click.option("--couple", "couple_id", type=int, required=True, help="The couple's id.")
@click.option("--days", type=click.IntRange(1, 31), default=7, show_default=True)
def reminders_preview(couple_id: int, days: int) -> None:
    """Show what would be sent to a couple, and when, in each partner's local time."""
    couple = db.session.get(Couple, couple_id, execution_options=ACROSS_PRACTICES)
    if couple is None:
        raise click.BadParameter(f"no couple with id {couple_id}", param_hint="--couple")
    with tenancy.practice_scope(couple.practice_id):
        planned = reminders.preview_reminders(Actor.system(couple.practice_id), couple.id, days)
    if not planned:
        click.echo("No reminders planned (no open steps, cadence off, paused, or emails stopped).")
    for reminder in planned:
        click.echo(
            f"{reminder.local_day:%a %d %b} {reminder.local_time:%H:%M} "
            f"{reminder.partner.timezone:<22} partner {reminder.partner.id} "
            f"({reminder.partner.first_name}): {', '.join(reminder.reasons)}"
        )


@click.group("progress", cls=UnitOfWorkGroup)
def progress_group() -> None:
    """Compiled weekly progress: the dashboard's history and readiness signals."""


@progress_group.command("compile")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day to recompute (from the Monday of its week). Default: the last --weeks weeks.",
)
@click.option(
    "--weeks",
    type=click.IntRange(1, 520),
    default=12,
    show_default=True,
    help="Weeks to recompute, up to this one, when --since is not given.",
)
def progress_compile(since: datetime | None, weeks: int) -> None:
    """Recompute every active or paused couple's weekly snapshots (the nightly job)."""
    if since is not None and since.date() > timeutil.utcnow().date() + timedelta(days=1):
        raise click.BadParameter("must not be in the future", param_hint="--since")
    total = couples_to_compile()
    with click.progressbar(length=total, label="Compiling progress") as bar:
        result = compile_progress(
            since=since.date() if since else None, weeks=weeks, on_chunk=bar.update
        )
    click.echo(
        f"Compiled {result.couples} couples from the week of {result.first_week}: "
        f"{result.partner_weeks} partner-weeks, {result.weekly_rows} step-weeks."
    )


@click.group("report", cls=UnitOfWorkGroup)
def report_group() -> None:
    """Pre-session reports."""


@report_group.command("render")
@click.option("--couple", "couple_id", type=int, required=True, help="The couple's id.")
@click.option("--session", "session_id", type=int, help="The session (default: the next one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def report_render(couple_id: int, session_id: int | None, output: str) -> None:
    """Render a couple's pre-session report to a PDF file now."""
    couple = db.session.get(Couple, couple_id, execution_options=ACROSS_PRACTICES)
    if couple is None:
        raise click.BadParameter(f"no couple with id {couple_id}", param_hint="--couple")
    try:
        with tenancy.practice_scope(couple.practice_id):
            pdf = report_files.render_for_couple(couple.id, session_id)
    except InvalidInput as error:
        _fail(error)
    with open(output, "wb") as handle:
        handle.write(pdf)
    click.echo(f"Wrote {output} ({len(pdf):,} bytes).")


@report_group.command("batch")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), required=True)
def report_batch(day: datetime) -> None:
    """Prepare the reports of every session on a date (in each practice's time zone).

    Each report is committed as soon as it is made: a batch stopped halfway keeps the
    reports it finished, and their stored files have their rows."""
    sessions = report_files.sessions_on(day.date())
    failed = 0
    with click.progressbar(sessions, label=f"Reports for {day:%Y-%m-%d}") as bar:
        for session in bar:
            with unit_of_work():
                report = report_files.prepare_for_session(session)
            failed += report.status.value == "failed"
    click.echo(f"{len(sessions) - failed} report(s) ready, {failed} failed.")


@click.command("launch-secret", cls=UnitOfWorkCommand)
@click.option("--practice", "slug", required=True, help="The practice's slug.")
def launch_secret(slug: str) -> None:
    """Give a practice a new host launch (single sign-on) secret and print it once.
    The previous secret stops working at once."""
    practice = counselors.practice_by_slug(slug)
    if practice is None:
        raise click.BadParameter(f"no practice with slug {slug!r}", param_hint="--practice")
    with tenancy.practice_scope(practice.id):
        secret = launch.rotate_launch_secret(practice)
    click.echo(f"New launch secret for {practice.slug} (shown once; the old one no longer works):")
    click.echo(secret)
    click.echo("Sign launch tokens with it using HS256 (docs/integration.md, Host launch).")


@click.group("keys", cls=UnitOfWorkGroup)
def keys_group() -> None:
    """API keys for host systems (the REST API under /api/v1)."""


@keys_group.command("create")
@click.option("--practice", "slug", required=True, help="The practice's slug.")
@click.option("--name", required=True, help="Which system uses it, e.g. 'practice manager'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(list(SCOPES)),
    help="What it may do; repeat for several. Default: homework:read and homework:write "
    "(homework:write needs homework:read; clinical_text lets it receive what clients wrote).",
)
def keys_create(slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create an API key and print it once (only its hash is kept)."""
    from counselor.services.accounts import api_keys

    practice = counselors.practice_by_slug(slug)
    if practice is None:
        raise click.BadParameter(f"no practice with slug {slug!r}", param_hint="--practice")
    try:
        with tenancy.practice_scope(practice.id):
            key, secret = api_keys.create_api_key(
                Actor.system(practice.id), name, scopes=scopes or DEFAULT_SCOPES
            )
    except InvalidInput as error:
        _fail(error)
    click.echo(f"Created API key {key.id} ({key.name}) for {practice.slug}, scopes {key.scopes}.")
    click.echo("The key, shown this once (send it as 'Authorization: Bearer <key>'):")
    click.echo(secret)


@keys_group.command("list")
@click.option("--practice", "slug", required=True, help="The practice's slug.")
def keys_list(slug: str) -> None:
    """List a practice's API keys (never the keys themselves)."""
    from counselor.services.accounts import api_keys

    practice = counselors.practice_by_slug(slug)
    if practice is None:
        raise click.BadParameter(f"no practice with slug {slug!r}", param_hint="--practice")
    with tenancy.practice_scope(practice.id):
        keys = api_keys.practice_api_keys()
    if not keys:
        click.echo(f"{practice.slug} has no API keys.")
    for key in keys:
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(
            f"{key.id:>5}  {key.prefix}…  {key.name}  created {key.created_at:%Y-%m-%d}  "
            f"last used {used}  {state}  scopes {key.scopes}"
        )


@keys_group.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke an API key by its id (from `keys list`); it answers 401 from now on."""
    from counselor.services.accounts import api_keys

    key = db.session.get(ApiKey, key_id, execution_options=ACROSS_PRACTICES)
    if key is None:
        raise click.BadParameter(f"no API key with id {key_id}", param_hint="KEY_ID")
    with tenancy.practice_scope(key.practice_id):
        api_keys.revoke_api_key(Actor.system(key.practice_id), key.id)
    click.echo(f"Revoked API key {key.id} ({key.name}).")
