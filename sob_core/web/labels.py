"""Names in a list a person chooses from, told apart where two are the same.

Two programmes may both be called "Sömnbehandling" and two forms "Sömndagbok" (an imported copy,
another unit's programme): listed by name alone they look like one thing twice. ``tell_apart``
keeps a name that is unique as it is and gives a shared one its qualifier, "Sömndagbok
(sleep-diary-2)", asking for the qualifier only where a name is shared (it may cost a query).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def tell_apart(
    entries: Sequence[T], name: Callable[[T], str], qualifier: Callable[[T], str]
) -> list[str]:
    """The label of each entry, in order: its name, plus "(qualifier)" when another has it too."""
    names = [name(entry) for entry in entries]
    shared = Counter(n.casefold() for n in names)
    labels = []
    for n, entry in zip(names, entries, strict=True):
        extra = qualifier(entry) if shared[n.casefold()] > 1 else ""
        labels.append(f"{n} ({extra})" if extra else n)
    return labels
