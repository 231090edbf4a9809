"""The catalogues say everything partners read, in every language the service offers
(counselor/i18n.py LANGUAGES): a string marked for translation and missing from a
catalogue, left empty or fuzzy, or kept there after the code dropped it, fails here.
``make translations`` brings the catalogues up to date; a translator fills in the rest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from counselor.i18n import DEFAULT_LANGUAGE, LANGUAGES, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[1]
TRANSLATED = sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE})


@pytest.fixture(scope="module")
def marked_strings(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code and templates mark for translation now, extracted as ``make
    translations`` does."""
    template = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    subprocess.run(
        [
            *(sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract"),
            *("-F", str(ROOT / "babel.cfg"), "-o", str(template), str(ROOT)),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as handle:
        return read_po(handle)


def _catalogue(language: str) -> Catalog:
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"no catalogue for {language!r}: {path} (make translations)"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def test_partners_read_something_marked_for_translation(marked_strings: Catalog) -> None:
    # The extraction itself works: pages and emails do mark their words.
    assert len(_ids(marked_strings)) > 100


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_in_the_catalogue(language: str, marked_strings: Catalog) -> None:
    missing = _ids(marked_strings) - _ids(_catalogue(language))
    first = sorted(map(str, missing))[:10]
    assert not missing, (
        f"{language}: {len(missing)} not in the catalogue (make translations): {first}"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_stale_strings_are_kept(language: str, marked_strings: Catalog) -> None:
    catalog = _catalogue(language)
    stale = _ids(catalog) - _ids(marked_strings)
    assert not stale, f"{language}: strings the code no longer has: {sorted(map(str, stale))[:10]}"
    assert not catalog.obsolete, f"{language}: obsolete entries: {list(catalog.obsolete)[:10]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated(language: str) -> None:
    catalog = _catalogue(language)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert not untranslated, (
        f"{language}: {len(untranslated)} untranslated or fuzzy: {untranslated[:10]}"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_match(language: str) -> None:
    # Babel's checks: the same %(name)s placeholders in the translation as in the source.
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in _catalogue(language).check()
        if errors
    ]
    assert not problems, f"{language}: {problems[:10]}"
