"""Swedish mobile numbers: what a citizen may type, and the one form (E.164) that is stored."""

from __future__ import annotations

import re

#: Swedish mobile numbers start 070, 072, 073, 076 or 079 and have ten digits in national form
_NATIONAL = re.compile(r"07[02369]\d{7}")


class InvalidMobileNumber(ValueError):
    pass


def normalise_mobile(text: str) -> str:
    """``070-123 45 67``, ``+46701234567`` or ``0046701234567`` → ``+46701234567``.

    Spaces, hyphens and parentheses are ignored; anything else raises ``InvalidMobileNumber``.
    """
    compact = re.sub(r"[\s\-()]", "", text or "")
    if compact.startswith("+46"):
        national = "0" + compact[3:]
    elif compact.startswith("0046"):
        national = "0" + compact[4:]
    else:
        national = compact
    if not _NATIONAL.fullmatch(national):
        raise InvalidMobileNumber(text)
    return "+46" + national[1:]
