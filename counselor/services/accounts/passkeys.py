"""Passkeys (WebAuthn): registered from Settings › Security › Two-step sign-in, and used
either as the second step of a sign-in or as the whole sign-in ("Sign in with a passkey",
a discoverable credential whose authenticator verified the user).

Each ceremony is two requests: the options (with a random challenge the caller keeps on
the server side of the session, for that one ceremony) and the browser's answer, verified
here by the ``webauthn`` package against the challenge, the relying party id and the
origin. Only the credential's public key is stored. The relying party id is
``WEBAUTHN_RP_ID`` when set, else the host of PUBLIC_BASE_URL when it is a name the
request is under, else the request's host (``relying_party``)."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Counselor, PasskeyCredential
from counselor.services.accounts import two_factor
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput, NotFound
from counselor.services.validation import PASSKEY_NAME_MAX, check_text

RP_NAME = two_factor.ISSUER
CEREMONY_TIMEOUT_MS = 120_000
TRANSPORTS = {transport.value for transport in AuthenticatorTransport}
NOT_VERIFIED = "That passkey could not be verified. Please try again."
UNKNOWN_PASSKEY = "That passkey is not registered here. Sign in with your password instead."


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the domain they are bound to and the origins allowed."""

    id: str
    origins: tuple[str, ...]


def relying_party(
    setting: str | None, public_base_url: str | None, request_url: str
) -> RelyingParty:
    """The relying party of a request to ``request_url``: ``setting`` (WEBAUTHN_RP_ID) when
    given, else the public address's host when it is a name (not an IP address) and the
    request is on it or under it, else the request's host. Allowed origins are the
    request's and the public address's, each only when its host is within the id."""
    request_parts = urlsplit(request_url)
    public_parts = urlsplit(public_base_url or "")
    request_host = (request_parts.hostname or "").lower()
    public_host = (public_parts.hostname or "").lower()
    if setting:
        rp_id = setting.lower()
    elif public_host and not _is_ip(public_host) and _within(request_host, public_host):
        rp_id = public_host
    else:
        rp_id = request_host
    origins = []
    for parts, host in ((request_parts, request_host), (public_parts, public_host)):
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if host and _within(host, rp_id) and origin not in origins:
            origins.append(origin)
    return RelyingParty(id=rp_id, origins=tuple(origins))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def user_handle(counselor: Counselor) -> bytes:
    """The WebAuthn user id of a counselor: stable, and no email address or name in it."""
    return f"counselor-{counselor.id}".encode()


# --- registration -----------------------------------------------------------------------


def registration_options(rp: RelyingParty, counselor: Counselor) -> tuple[str, bytes]:
    """Options for ``navigator.credentials.create()`` as JSON, and their challenge. A
    discoverable credential (so it can sign in on its own) with user verification."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=user_handle(counselor),
        user_name=counselor.email,
        user_display_name=counselor.name,
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(p) for p in counselor_passkeys(counselor)],
    )
    return options_to_json(options), options.challenge


def register(
    rp: RelyingParty, counselor: Counselor, credential: Any, challenge: bytes, name: str
) -> PasskeyCredential:
    """Verify the browser's answer to the registration options and keep the passkey."""
    problems = FieldErrors()
    name = check_text(
        problems, "name", (name or "").strip() or "Passkey", max_length=PASSKEY_NAME_MAX
    )
    problems.raise_if_any()
    try:
        verified = verify_registration_response(
            credential=_as_dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise InvalidInput.single("passkey", NOT_VERIFIED) from error
    credential_id = bytes_to_base64url(verified.credential_id)
    taken = db.session.scalar(
        tenancy.across_practices(
            sa.select(PasskeyCredential.id).where(PasskeyCredential.credential_id == credential_id)
        )
    )
    if taken is not None:
        raise InvalidInput.single("passkey", "This passkey is already registered.")
    passkey = PasskeyCredential(
        practice_id=counselor.practice_id,
        counselor_id=counselor.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports(credential),
        name=name,
    )
    db.session.add(passkey)
    db.session.flush()
    record_event(Actor.for_counselor(counselor), "two_factor.passkey_added", "passkey", passkey.id)
    return passkey


# --- authentication ---------------------------------------------------------------------


def authentication_options(rp: RelyingParty, counselor: Counselor | None) -> tuple[str, bytes]:
    """Options for ``navigator.credentials.get()`` and their challenge. With a counselor
    (the second step of a sign-in), their passkeys are offered; without one (signing in
    with a passkey alone), the browser offers the discoverable passkeys it has for this
    site, and the user must be verified (a PIN, a fingerprint, a face)."""
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=CEREMONY_TIMEOUT_MS,
        allow_credentials=(
            [_descriptor(p) for p in counselor_passkeys(counselor)] if counselor else []
        ),
        user_verification=(
            UserVerificationRequirement.PREFERRED
            if counselor
            else UserVerificationRequirement.REQUIRED
        ),
    )
    return options_to_json(options), options.challenge


def authenticate(
    rp: RelyingParty, credential: Any, challenge: bytes, *, counselor: Counselor | None
) -> PasskeyCredential:
    """Verify the browser's answer to the authentication options; the passkey used, its
    sign count and last use brought up to date. With ``counselor``, the passkey must be
    theirs; without, it names the counselor (who must be active), and the user must have
    been verified."""
    data = _as_dict(credential)
    credential_id = data.get("id") if isinstance(data.get("id"), str) else ""
    statement = sa.select(PasskeyCredential).where(PasskeyCredential.credential_id == credential_id)
    if counselor is not None:
        statement = statement.where(PasskeyCredential.counselor_id == counselor.id)
    else:  # the passkey is what tells whose sign-in this is, and so the practice
        statement = tenancy.across_practices(statement)
    passkey = db.session.scalar(statement) if credential_id else None
    if passkey is not None and counselor is None:
        tenancy.enter_practice(passkey.practice_id)  # as a launch does once its token names one
    if passkey is None or not passkey.counselor.active:
        raise InvalidInput.single("passkey", UNKNOWN_PASSKEY)
    handle = (data.get("response") or {}).get("userHandle")
    try:
        if handle and base64url_to_bytes(handle) != user_handle(passkey.counselor):
            raise InvalidInput.single("passkey", NOT_VERIFIED)
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=list(rp.origins),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=counselor is None,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise InvalidInput.single("passkey", NOT_VERIFIED) from error
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timeutil.utcnow()
    return passkey


def registered_owner(credential: Any) -> tuple[int, int] | None:
    """(practice id, counselor id) of the passkey an answer names, if registered: whose
    failed sign-in it was, for the audit trail."""
    try:
        credential_id = _as_dict(credential).get("id")
    except InvalidInput:
        return None
    if not isinstance(credential_id, str) or not credential_id:
        return None
    row = db.session.execute(
        tenancy.across_practices(
            sa.select(PasskeyCredential.practice_id, PasskeyCredential.counselor_id).where(
                PasskeyCredential.credential_id == credential_id
            )
        )
    ).first()
    return (row.practice_id, row.counselor_id) if row is not None else None


# --- the counselor's list ---------------------------------------------------------------


def counselor_passkeys(counselor: Counselor) -> list[PasskeyCredential]:
    return list(
        db.session.scalars(
            sa.select(PasskeyCredential)
            .where(PasskeyCredential.counselor_id == counselor.id)
            .order_by(PasskeyCredential.created_at, PasskeyCredential.id)
        )
    )


def own_passkey(counselor: Counselor, passkey_id: int) -> PasskeyCredential:
    """One of the counselor's passkeys; another's (in the practice or not) is ``NotFound``."""
    passkey = tenancy.get_in_practice(PasskeyCredential, passkey_id)
    if passkey.counselor_id != counselor.id:
        raise NotFound(f"passkey {passkey_id}")
    return passkey


def rename(counselor: Counselor, passkey_id: int, name: str) -> PasskeyCredential:
    passkey = own_passkey(counselor, passkey_id)
    problems = FieldErrors()
    name = check_text(problems, "name", name, max_length=PASSKEY_NAME_MAX)
    problems.raise_if_any()
    passkey.name = name
    return passkey


def remove(counselor: Counselor, passkey_id: int, proof: str) -> None:
    """Remove one of the counselor's passkeys, with their password or a fresh code."""
    passkey = own_passkey(counselor, passkey_id)
    two_factor.require_proof(counselor, proof)
    two_factor.refuse_if_last_required(counselor)
    db.session.delete(passkey)
    db.session.flush()
    record_event(
        Actor.for_counselor(counselor), "two_factor.passkey_removed", "passkey", passkey_id
    )
    two_factor.forget_recovery_codes_without_factor(counselor)


def _descriptor(passkey: PasskeyCredential) -> PublicKeyCredentialDescriptor:
    transports = [
        AuthenticatorTransport(t) for t in (passkey.transports or "").split() if t in TRANSPORTS
    ]
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
    )


def _as_dict(credential: Any) -> dict[str, Any]:
    """The browser's credential as a dict (it may come as JSON text)."""
    if isinstance(credential, str):
        try:
            credential = json.loads(credential)
        except ValueError:
            credential = None
    if not isinstance(credential, dict):
        raise InvalidInput.single("passkey", NOT_VERIFIED)
    return credential


def _transports(credential: Any) -> str | None:
    response = _as_dict(credential).get("response")
    listed = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(listed, list):
        return None
    known = [t for t in listed if isinstance(t, str) and t in TRANSPORTS]
    return " ".join(dict.fromkeys(known))[:200] or None
