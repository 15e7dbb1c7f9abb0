"""The contract of guardianship sources: where sob learns whose guardian a citizen is.

Kept beside ``types.py`` (not in it) so that module stays under the 600-line limit; the names are
part of the plugin contract all the same (``sob_core.Ward``, ``sob_core.GuardianshipSource``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .types import LocalText, PluginContractError, _check_key, _check_text


@dataclass(frozen=True)
class Ward:
    """A child a guardian has custody of, as a source tells it.

    ``personnummer`` is the child's number (any form ``sob_core`` parses; a source may return
    10 or 12 digits); ``name`` is the child's name as the source knows it ("" when it does not).
    The core decides the age itself, from the number: a source need not filter by age.
    """

    personnummer: str
    name: str = ""


@dataclass(frozen=True)
class GuardianshipSource:
    """A register of guardianships (vårdnadshavare), e.g. a region's population-register service.

    ``wards(session, guardian_personnummer, config)`` returns the ``Ward``s of the guardian whose
    normalised 12-digit personnummer is given. ``session`` is the request's SQLAlchemy session (a
    source reading the core's tables uses it; a source calling a service ignores it); ``config``
    is the app's settings (declare your own with ``sob_settings``). It is called on every request
    a guardian makes while acting for a child, so keep it quick (cache in the source if need be);
    raising refuses the access for that request (never grants it).
    """

    key: str
    label: LocalText
    wards: Callable[[Any, str, Mapping[str, Any]], Sequence[Ward]]

    def validate(self) -> None:
        _check_key("guardianship source", self.key)
        _check_text(f"guardianship source {self.key!r} label", self.label)
        if not callable(self.wards):
            raise PluginContractError(f"guardianship source {self.key!r}: wards must be callable")
