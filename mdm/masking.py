"""Masking emails and phones for API keys without the ``pii`` permission."""

from __future__ import annotations

from typing import Any

import phonenumbers


def mask_email(value: str) -> str:
    """``nguyen.an@gmail.com`` -> ``n***@gmail.com``."""
    local, at, domain = value.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_phone(value: str) -> str:
    """``+84912345678`` -> ``+84 *** *** 678``: the country code and the last three digits."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) < 6:
        return "***"
    try:
        number = phonenumbers.parse(value if value.startswith("+") else "+" + digits, None)
        country = f"+{number.country_code}"
    except phonenumbers.NumberParseException:
        country = "+" + digits[:2] if value.startswith("+") else ""
    return f"{country} *** *** {digits[-3:]}".strip()


MASKS = {"email": mask_email, "phone": mask_phone}


def mask_value(kind: str | None, value: Any) -> Any:
    mask = MASKS.get(kind or "")
    if mask is None or value is None:
        return value
    if isinstance(value, list):
        return [mask(str(v)) for v in value]
    return mask(str(value))
