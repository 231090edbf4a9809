"""The password rule: at least 12 characters, not guessable by the zxcvbn estimator
(score 3 or more), and not built from the counselor's own name or email address.

The rule holds wherever a password is set — a reset by emailed link, the self-service
change, accepting an invitation, and the CLI's ``create-counselor`` and ``set-password``
— through ``check_new_password``. Hashing and storing are ``counselors.py``'s (argon2 at
the app's ``PASSWORD_HASH_PROFILE``, unchanged)."""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from counselor.services.errors import FieldErrors
from counselor.services.validation import unstorable

MIN_LENGTH = 12
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable", about 10^8 guesses or more
# zxcvbn's time grows with the input; nothing longer is needed to judge a password.
JUDGED_LENGTH = 100
# Longer is refused before anything hashes it: a pass phrase is a few dozen characters,
# and a form field of megabytes is only work for the server.
MAX_LENGTH = 1000


def policy_problems(password: str, *, name: str = "", email: str = "") -> list[str]:
    """What is wrong with ``password`` for this counselor, in words for the form; empty
    when it is acceptable. The estimator's own warning and suggestions are included."""
    if unstorable(password):
        return ["Use only characters you can type: this password holds one we can't accept."]
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    personal = _personal_words(name, email)
    lowered = password.casefold()
    if any(word in lowered for word in personal):
        return ["Don't use your name or email address in your password."]
    verdict = zxcvbn(password[:JUDGED_LENGTH], user_inputs=sorted(personal))
    if verdict["score"] >= MIN_SCORE:
        return []
    feedback = verdict["feedback"]
    problems = ["This password would be easy to guess."]
    if feedback.get("warning"):
        problems.append(feedback["warning"].rstrip(".") + ".")
    problems.extend(feedback.get("suggestions") or ["Add another word or two."])
    return problems


def check_new_password(
    problems: FieldErrors,
    password: str | None,
    *,
    name: str,
    email: str,
    field: str = "password",
) -> None:
    """Add the rule's objections to ``password`` (for a counselor of this name and email
    address) to ``problems`` under ``field``."""
    for problem in policy_problems(password or "", name=name, email=email):
        problems.add(field, problem)


def _personal_words(name: str, email: str) -> set[str]:
    """The pieces of a name and an email address worth refusing in a password (3+ letters)."""
    local = email.partition("@")[0]
    pieces = re.split(r"[\W_]+", f"{name} {local}".casefold())
    return {piece for piece in pieces if len(piece) >= 3}
