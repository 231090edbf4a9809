"""The rendered pages as images (Debian's poppler-utils pdftoppm), for a visual check."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from reports import render_pre_session_report
from tests.support.pdf_text import page_texts
from tests.support.report_data import make_empty_data, make_hostile_data, make_report_data

PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"


@pytest.fixture
def pdftoppm() -> str:
    if not Path(PDFTOPPM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftoppm (Debian's poppler-utils) is required under CI=true")
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed")
    return PDFTOPPM


@pytest.mark.parametrize(
    "build",
    [make_report_data, make_empty_data, make_hostile_data],
    ids=["real", "empty", "hostile"],
)
def test_one_png_per_page(build, pdftoppm: str, tmp_path: Path) -> None:
    pdf = render_pre_session_report(build())
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", "40", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(page_texts(pdf))
    for image in images:
        with Image.open(image) as page:
            assert page.size[1] > page.size[0]  # portrait
            assert page.convert("L").getextrema()[0] < 128  # something dark was drawn
