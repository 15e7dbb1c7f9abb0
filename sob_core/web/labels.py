"""Names in a list a person chooses from, told apart where two are the same.

Two programmes may both be called "Sömnbehandling" and two forms "Sömndagbok" (an imported copy,
another unit's programme): listed by name alone they look like one thing twice. ``tell_apart``
keeps a name that is unique as it is and gives a shared one its qualifier, "Sömndagbok
(sleep-diary-2)", asking for the qualifier only where a name is shared (it may cost a query).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def tell_apart(
    entries: Sequence[T], name: Callable[[T], str], qualifier: Callable[[T], str]
) -> list[str]:
    """The label of each entry, in order: its name, plus "(qualifier)" when an entry of another
    qualifier has that name too. Entries of one name and one qualifier are the same thing listed
    twice (two versions of one programme, say) and keep the bare name."""
    names = [name(entry) for entry in entries]
    repeated = Counter(n.casefold() for n in names)
    extras = [
        qualifier(entry) if repeated[n.casefold()] > 1 else ""
        for n, entry in zip(names, entries, strict=True)
    ]
    kinds: dict[str, set[str]] = defaultdict(set)
    for n, extra in zip(names, extras, strict=True):
        kinds[n.casefold()].add(extra)
    return [
        f"{n} ({extra})" if extra and len(kinds[n.casefold()]) > 1 else n
        for n, extra in zip(names, extras, strict=True)
    ]
