"""The one rule about an erased couple, kept below every other service so that any of them
may ask it without an import cycle (couples.py reaches the delivery services, which reach
the pages, which reach homework services that must refuse an erased couple)."""

from __future__ import annotations

from counselor.models import Couple
from counselor.services.errors import InvalidInput

ERASED_MESSAGE = (
    "This couple's data was erased: the couple stays closed and can't be changed, given "
    "homework, sent links or emailed."
)


def refuse_if_erased(couple: Couple) -> None:
    """An erased couple is closed for good: nothing new may be stored about it."""
    if couple.erased_at is not None:
        raise InvalidInput.single("couple", ERASED_MESSAGE)
