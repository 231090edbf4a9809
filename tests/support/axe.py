"""axe-core in a Playwright page: what it finds on the page showing now, the findings that
fail the suite (impact "serious" or "critical"), and a summary a person can act on.

axe.min.js (the copy ``axe-playwright-python`` ships) is added to a browser context once,
as an init script: every page the context opens has it before its own scripts run. Init
scripts come through the DevTools protocol, which the app's Content-Security-Policy
(``script-src 'self'``) does not govern, so the pages are scanned exactly as the app serves
them, CSP included. (The package's ``Axe().run(page)`` sends the 550 kB script into the page
again for every scan: twice as slow over a hundred pages.)
"""

from __future__ import annotations

from dataclasses import dataclass

from axe_playwright_python.base import AXE_SCRIPT

BLOCKING_IMPACTS = frozenset({"serious", "critical"})
RUN = "axe.run({resultTypes: ['violations']})"


@dataclass(frozen=True)
class Finding:
    """One rule broken on one page, with the elements that break it."""

    url: str
    width: int
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:6]) + (" …" if len(self.targets) > 6 else "")
        return f"{self.url} @{self.width}px  {self.rule} ({self.impact}): {self.help}\n    {shown}"


def install(context) -> None:
    """Give every page of the Playwright browser ``context`` axe-core, from its next load."""
    context.add_init_script(script=AXE_SCRIPT)


def blocking_findings(page) -> list[Finding]:
    """The serious and critical violations axe finds on the page as it is now (a page of a
    context ``install`` was given)."""
    results = page.evaluate(RUN)
    width = (page.viewport_size or {}).get("width", 0)
    return [
        Finding(
            url=page.url,
            width=width,
            rule=violation["id"],
            impact=violation["impact"],
            help=violation["help"],
            targets=tuple(" ".join(map(str, node["target"])) for node in violation["nodes"]),
        )
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def summary(findings: list[Finding]) -> str:
    """The findings, one paragraph each: page and width, rule, impact, what to fix and where."""
    return f"{len(findings)} serious or critical accessibility violation(s):\n" + "\n".join(
        map(str, findings)
    )
