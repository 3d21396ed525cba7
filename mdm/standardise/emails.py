"""Email addresses: a validated, lower-cased form and a match key that folds provider aliases.

Only Gmail is known to ignore dots in the local part; applying that to other domains would merge
different mailboxes. A "+tag" (sub-addressing, RFC 5233) is dropped where the provider documents
it as delivering to the untagged mailbox for every account: Gmail, Microsoft's consumer mail
(Outlook.com, Hotmail, Live, MSN), iCloud, Proton and Fastmail. Elsewhere (a company's own
domain, where an administrator may turn it off; Yahoo, whose separator is a hyphen) it stays.
Addresses built from a name alone ("anh.nguyen@") are shared by namesakes, so the result says
whether the local part carries digits (see MATCHING.md).

Typing slips at the big webmail providers are repaired, as mail forms' "did you mean" checks do,
and flagged ``email_repaired``: a domain one keystroke from one of them (``gmial.com``,
``yahoo.com.v``), a comma for a dot, a doubled or missing ``@`` or a stray space before such a
domain. Anything less certain stays invalid. Placeholders typed to get past a required field
(``none@none.com``) are no one's address: flagged ``email_placeholder`` and not matched on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from email_validator import validate_email

from mdm.standardise.text import nfc_clean, one_edit_apart


@dataclass(frozen=True, slots=True)
class StdEmail:
    original: str | None
    normalised: str | None
    match_key: str | None
    is_valid: bool
    local_has_digits: bool
    flags: tuple[str, ...]
    others: tuple[str, ...] = ()  # the field's other valid addresses, normalised ("an@x.vn; an@y.vn")


_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_SUBADDRESS_DOMAINS = _GMAIL_DOMAINS | frozenset(
    {"icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me", "fastmail.com", "fastmail.fm"}
)
# Microsoft's consumer domains: outlook.com, hotmail.co.uk, live.com.au, msn.com ...
_MICROSOFT_CONSUMER = re.compile(r"(?:outlook|hotmail|live|msn)\.(?:com|[a-z]{2}|com?\.[a-z]{2})")
_ANGLE = re.compile(r"<([^<>]*)>")
_MAILTO = re.compile(r"(?i)^mailto:")
_SEPARATORS = re.compile(r"[\s;,/|]+")
_LIST_EDGES = " ;,/|"
_MAX_LENGTH = 320  # RFC 5321 path limit; longer input cannot be an address
# A plain local part (letters, digits, ._+-, no leading, trailing or double dot), and the limits
# email_validator holds it and the whole address to: such an address on a valid domain is valid.
_PLAIN_LOCAL = re.compile(r"[a-z0-9_+\-]+(?:\.[a-z0-9_+\-]+)*")
_MAX_LOCAL, _MAX_ADDRESS = 64, 254


# Providers that hold most personal mailboxes, whose misspellings are unambiguous. Short or
# generic names (aol.com, live.com, mail.com) are left out: one keystroke from them are other
# real domains.
_PROVIDERS = ("gmail.com", "googlemail.com", "yahoo.com", "yahoo.com.vn", "hotmail.com", "outlook.com", "icloud.com")
# Real domains one keystroke from a provider: never "repaired".
_NEAR_PROVIDERS = frozenset({"email.com", "mail.com", "ymail.com", "gmail.de", "hotmail.de", "hotmail.it", "hotmail.es"})
# A provider's name without its top-level domain ("an@gmail"): only where that is unambiguous
# (yahoo could be yahoo.com or yahoo.com.vn).
_BARE_PROVIDERS = {"gmail": "gmail.com", "hotmail": "hotmail.com", "outlook": "outlook.com", "icloud": "icloud.com"}
# Mail services people sign up to for themselves, by the first label of the domain (yahoo.co.uk,
# hotmail.fr and live.com.au alike): an address anywhere else is mostly an employer's. A
# customer's work address beside their personal one differs whoever they are.
PERSONAL_MAIL_SERVICES = frozenset(
    "gmail googlemail yahoo ymail rocketmail hotmail outlook live msn windowslive icloud me mac aol"
    " proton protonmail pm gmx web mail email yandex qq 163 126 sina naver daum hanmail zoho fastmail"
    " btinternet sky virginmedia bigpond optusnet comcast verizon att sbcglobal orange free wanadoo"
    " laposte libero singnet".split()
)
_PLACEHOLDER_LOCALS = frozenset({"none", "noemail", "nomail", "no", "na", "null", "nil", "test", "unknown", "khongco", "khong"})
_PLACEHOLDER_DOMAINS = frozenset({"none.com", "noemail.com", "nomail.com", "test.com", "example.com", "example.org", "example.net"})


def _invalid(original: str) -> StdEmail:
    return StdEmail(original, None, None, False, False, ("email_invalid",))


@lru_cache(maxsize=1 << 12)
def _provider_meant(domain: str) -> str | None:
    """The one provider ``domain`` is a keystroke away from, if it is not a real domain itself."""
    if domain in _PROVIDERS or domain in _NEAR_PROVIDERS:
        return None
    meant = [p for p in _PROVIDERS if one_edit_apart(domain, p)]
    return meant[0] if len(meant) == 1 else None


def _repair_syntax(address: str) -> str | None:
    """An invalid address with one obvious slip fixed, or None. Only slips next to a provider's
    domain are fixed: elsewhere "a b@x.vn" may as well be a name followed by an address."""
    local, at, domain = address.rpartition("@")
    if not at:  # the @ left out: "an.nguyen90gmail.com"
        for provider in _PROVIDERS:
            if address.endswith(provider) and len(address) > len(provider):
                return f"{address[: -len(provider)]}@{provider}"
        return None
    domain = _BARE_PROVIDERS.get(domain, domain.replace(",", "."))
    local = local.rstrip("@")
    if domain not in _PROVIDERS and _provider_meant(domain) is None:
        return None
    if local.count(" ") == 1:
        local = local.replace(" ", "")
    return f"{local}@{domain}"


def _personal_digits(local: str) -> bool:
    """Whether a mailbox's local part carries digits of its own: of the mailbox the key names (a
    Gmail tag, "hung.nguyen+2024@", is not part of it), and not a filler people add when their
    name is taken ("nguyenkhoa123@", "lan.tran111@"), which namesakes share as they share the
    name: a sequence from 1 or a digit repeated, three digits or more. Two digits are kept:
    "88" is a birth year as often as not."""
    digits = "".join(ch for ch in local if ch.isdigit())
    filler = len(digits) >= 3 and ("1234567890".startswith(digits) or len(set(digits)) == 1)
    return bool(digits) and not filler


def _is_placeholder(local: str, domain: str) -> bool:
    return local in _PLACEHOLDER_LOCALS or domain in _PLACEHOLDER_DOMAINS


def _match_key(local: str, domain: str) -> str:
    if domain in _SUBADDRESS_DOMAINS or _MICROSOFT_CONSUMER.fullmatch(domain):
        local = local.split("+", 1)[0] or local
    if domain in _GMAIL_DOMAINS:
        bare = local.replace(".", "")
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
    """Validate the syntax (no DNS) and derive the normalised address and match key.

    A field holding several addresses ("an@x.vn; an@y.vn", "an@x.vn / an@y.vn") is flagged
    ``email_multiple`` and read as its first valid one, as a phone field holding several numbers
    is: the customer's address stays a matching key, and the original keeps them all."""
    text = nfc_clean(value)
    if value is None or text is None:
        return StdEmail(value, None, None, False, False, ())
    # Typed in full-width by a Japanese or Chinese input method: "ｔａｒｏ＠example.jp".
    if not text.isascii():
        # Turkish upper case writes i as "İ", which lower() makes i and a combining dot (U+0307):
        # "İSMAİL@GMAIL.COM" was another key than ismail@gmail.com, "FİRMA.COM.TR" another domain.
        text = unicodedata.normalize("NFKC", text).replace("İ", "I")
    # An "@" in more than one word: several addresses. One in a single word is one address,
    # whatever slips around it ("an.nguyen@gmail,com", "an nguyen90@icloud.com").
    words = [w for w in _SEPARATORS.split(text) if "@" in w]
    if len(words) < 2:
        # A separator at either end is none of it: a list of one, joined as a list of several is ("an@x.vn;").
        return _standardise_one(value, text.strip(_LIST_EDGES) or text)
    first: dict[str, str] = {}
    for word in words:
        first.setdefault(word.lower(), word)
    addresses = list(first.values())
    if len(addresses) == 1:  # one address written twice
        return _standardise_one(value, addresses[0])
    emails = [_standardise_one(value, a) for a in addresses]
    email = next((e for e in emails if e.is_valid), emails[0])
    others = dict.fromkeys(e.normalised for e in emails if e.is_valid and e.match_key != email.match_key)
    return replace(email, flags=(*email.flags, "email_multiple"), others=tuple(o for o in others if o))


def _standardise_one(value: str, text: str) -> StdEmail:
    """:func:`standardise_email` of one address ``text`` written in the field ``value``."""
    angle = _ANGLE.search(text)  # "Nguyen An <an@x.vn>"
    address = _MAILTO.sub("", angle.group(1) if angle else text).strip().lower()
    if len(address) > _MAX_LENGTH:
        return _invalid(value)
    validated = _validate(address) if "@" in address else None
    repaired = False
    if validated is None:
        fixed = _repair_syntax(address)
        validated = _validate(fixed) if fixed is not None else None
        if validated is None:
            return _invalid(value)
        repaired = True
    local, domain = validated
    if _is_placeholder(local, domain):
        return StdEmail(value, None, None, False, False, ("email_placeholder",))
    meant = _provider_meant(domain)
    if meant is not None:
        domain, repaired = meant, True
    match_key = _match_key(local, domain)
    return StdEmail(
        original=value,
        normalised=f"{local}@{domain}",
        match_key=match_key,
        is_valid=True,
        local_has_digits=_personal_digits(match_key.rpartition("@")[0]),
        flags=("email_repaired",) if repaired else (),
    )
