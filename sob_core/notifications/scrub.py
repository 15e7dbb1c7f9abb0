"""Taking recipient data out of what a provider answered, before it is stored or shown."""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_RE = re.compile(r"(?<![\w.])\+?\d[\d \-]{7,}\d(?![\w.])")


def scrub(text: str, addresses: Iterable[str] = ()) -> str:
    """``text`` with the given addresses and anything like an e-mail address or phone number
    replaced, so that an error or provider answer can be logged without recipient data."""
    for address in addresses:
        if address:
            text = text.replace(address, "[address]")
    text = EMAIL_RE.sub("[e-mail]", text)
    return PHONE_RE.sub("[number]", text)


def mask_email(address: str | None) -> str:
    """``a•••@•••.se``: enough to see that there is an address and of what kind, no more."""
    if not address or "@" not in address:
        return ""
    local, _, domain = address.rpartition("@")
    tld = domain.rpartition(".")[2]
    return f"{local[:1]}•••@•••.{tld}"


def mask_phone(number: str | None) -> str:
    """``+46 7•• ••• •33``: country, the first digit and the last two."""
    if not number:
        return ""
    digits = number.lstrip("+")
    return f"+{digits[:2]} {digits[2:3]}•• ••• •{digits[-2:]}"
