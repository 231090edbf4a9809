"""The one time-zone field of every dashboard form (settings, partners).

A ``<select>`` of IANA zones grouped by region (``<optgroup>``), chosen over an
``<input list>`` with a datalist: it works without script, a phone shows it as its own
picker at any width, a keyboard jumps to a city by typing its first letters, screen
readers announce the option and its region, and nothing can be mistyped (datalists show no
groups, phones render them unevenly, and screen readers announce their suggestions poorly).
``static/timezone-picker.js``, where script runs, adds a search box that narrows the list.
The list is ``timeutil.timezone_regions()``; whether a zone is acceptable is the services'
rule (``validation.check_timezone``), not the form's.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape
from wtforms import StringField
from wtforms.widgets import html_params

from counselor import timeutil


class TimezoneSelect:
    """Renders the grouped ``<select>``. A value not in the list (a legacy alias a host
    system sent, or the value just refused) is kept as the selected option of a "Current"
    group, so saving a form never changes a zone by itself."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        current = field.data or ""
        regions = timeutil.timezone_regions()
        html = [f"<select {html_params(name=field.name, data_timezone_picker=True, **kwargs)}>"]
        if not current:
            html.append('<option value="" selected>Choose a time zone</option>')
        elif all(current != zone for _, zones in regions for zone, _ in zones):
            html.append(f'<optgroup label="Current">{_option(current, current, True)}</optgroup>')
        for region, zones in regions:
            html.append(f'<optgroup label="{escape(region)}">')
            html.extend(_option(zone, city, zone == current) for zone, city in zones)
            html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - every value and label escaped above


def _option(value: str, text: str, selected: bool) -> str:
    chosen = " selected" if selected else ""
    return f'<option value="{escape(value)}"{chosen}>{escape(text)}</option>'


class TimezoneField(StringField):
    """An IANA time zone picked from the grouped list; the services check it."""

    widget = TimezoneSelect()
