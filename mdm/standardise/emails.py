"""Email addresses: a validated, lower-cased form and a match key that folds provider aliases.

Only Gmail is known to ignore dots and "+tag" in the local part; applying that to other domains
would merge different mailboxes. Addresses built from a name alone ("anh.nguyen@") are shared by
namesakes, so the result says whether the local part carries digits (see MATCHING.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from email_validator import validate_email

from mdm.standardise.text import nfc_clean


@dataclass(frozen=True, slots=True)
class StdEmail:
    original: str | None
    normalised: str | None
    match_key: str | None
    is_valid: bool
    local_has_digits: bool
    flags: tuple[str, ...]


_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_ANGLE = re.compile(r"<([^<>]*)>")
_MAILTO = re.compile(r"(?i)^mailto:")
_MAX_LENGTH = 320  # RFC 5321 path limit; longer input cannot be an address
# A plain local part (letters, digits, ._+-, no leading, trailing or double dot), and the limits
# email_validator holds it and the whole address to: such an address on a valid domain is valid.
_PLAIN_LOCAL = re.compile(r"[a-z0-9_+\-]+(?:\.[a-z0-9_+\-]+)*")
_MAX_LOCAL, _MAX_ADDRESS = 64, 254


def _invalid(original: str) -> StdEmail:
    return StdEmail(original, None, None, False, False, ("email_invalid",))


def _match_key(local: str, domain: str) -> str:
    if domain in _GMAIL_DOMAINS:
        bare = local.split("+", 1)[0].replace(".", "")
        if bare:
            return f"{bare}@gmail.com"
    return f"{local}@{domain}"


@lru_cache(maxsize=1 << 16)
def _valid_domain(domain: str) -> str | None:
    """The normalised domain, or None when no address on it is valid. Domains repeat (a
    handful of providers hold most customers), and checking one is most of checking an address."""
    try:
        return validate_email("a@" + domain, check_deliverability=False).domain.lower()
    except Exception:  # as in _validate
        return None


def _validate(address: str) -> tuple[str, str] | None:
    """(local part, domain) of a valid address, as email_validator normalises them."""
    local, _at, domain = address.rpartition("@")
    if len(local) <= _MAX_LOCAL and len(address) <= _MAX_ADDRESS and _PLAIN_LOCAL.fullmatch(local):
        valid_domain = _valid_domain(domain)
        if valid_domain is not None:
            return local, valid_domain
    try:
        result = validate_email(address, check_deliverability=False)
    except Exception:  # EmailNotValidError, and anything the IDNA codec raises on odd input
        return None
    return result.local_part.lower(), result.domain.lower()


def standardise_email(value: str | None) -> StdEmail:
    """Validate the syntax (no DNS) and derive the normalised address and match key."""
    text = nfc_clean(value)
    if value is None or text is None:
        return StdEmail(value, None, None, False, False, ())
    angle = _ANGLE.search(text)  # "Nguyen An <an@x.vn>"
    address = _MAILTO.sub("", angle.group(1) if angle else text).strip().lower()
    if "@" not in address or len(address) > _MAX_LENGTH:
        return _invalid(value)
    validated = _validate(address)
    if validated is None:
        return _invalid(value)
    local, domain = validated
    match_key = _match_key(local, domain)
    return StdEmail(
        original=value,
        normalised=f"{local}@{domain}",
        match_key=match_key,
        is_valid=True,
        # Of the mailbox the key names: a Gmail tag ("hung.nguyen+2024@") is not part of it, and
        # the address is as name-only as "hungnguyen@" is.
        local_has_digits=any(ch.isdigit() for ch in match_key.rpartition("@")[0]),
        flags=(),
    )
