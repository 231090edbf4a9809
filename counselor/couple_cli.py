"""``flask couple export`` and ``flask couple erase``: a couple's data on request, for an
operator at the shell (the dashboard and the API do the same for counselors and hosts).

Both act as the system, in the couple's practice, and are audited like the dashboard's
(``couple.export``, ``couple.erase``)."""

from __future__ import annotations

import os

import click

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Couple
from counselor.services.audit import Actor
from counselor.services.couples import erasure, export
from counselor.storage import FILE_MODE
from counselor.unit_of_work import UnitOfWorkGroup


@click.group("couple", cls=UnitOfWorkGroup)
def couple_group() -> None:
    """A couple's data on request: export it, or erase it."""


def _couple(couple_id: int) -> Couple:
    couple = db.session.get(Couple, couple_id, execution_options={tenancy.ACROSS_PRACTICES: True})
    if couple is None:
        raise click.BadParameter(f"no couple with id {couple_id}", param_hint="--couple")
    return couple


@couple_group.command("export")
@click.option("--couple", "couple_id", type=int, required=True, help="The couple's id.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def couple_export(couple_id: int, output: str) -> None:
    """Write everything stored about a couple to a JSON file (readable by you only)."""
    couple = _couple(couple_id)
    with tenancy.practice_scope(couple.practice_id):
        text = export.to_json(export.export_couple(Actor.system(couple.practice_id), couple))
    handle = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(handle, FILE_MODE)  # a file that existed keeps no wider mode
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    click.echo(f"Wrote {output}: couple {couple.id}'s data (it holds client text: keep it safe).")


@couple_group.command("erase")
@click.option("--couple", "couple_id", type=int, required=True, help="The couple's id.")
@click.option("--yes", is_flag=True, help="Confirm: erasing can't be undone.")
def couple_erase(couple_id: int, yes: bool) -> None:
    """Erase a couple's names, emails, reflections and PDFs; counts stay. Can't be undone."""
    couple = _couple(couple_id)
    if not yes:
        raise click.UsageError(
            f"Erasing couple {couple.id} can't be undone. Export it first if the couple "
            "asked for their data, then run this again with --yes."
        )
    with tenancy.practice_scope(couple.practice_id):
        result = erasure.erase_couple(Actor.system(couple.practice_id), couple)
    if result.already_erased:
        click.echo(
            f"Couple {couple.id} was already erased on {result.erased_at:%Y-%m-%d %H:%M} UTC."
        )
    else:
        click.echo(f"Couple {couple.id} erased: it is now “{couple.label}”.")
