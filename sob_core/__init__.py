"""sob core: the host of the sob platform, and the plugin contract as its public names.

``__all__`` is exactly the contract (``sob_core.plugin_api``). Importing ``sob_core`` loads neither
the ORM nor the web layer, so a scale plugin stays light; host entry points such as ``create_app``
are reached lazily, through ``__getattr__``.
"""

from __future__ import annotations

from typing import Any

from .plugin_api import *  # noqa: F403  (the contract is the public surface)
from .plugin_api import __all__ as __all__

_HOST_NAMES = {"create_app": ".app"}


def __getattr__(name: str) -> Any:
    """Host names (``create_app``) are imported on first use, never by ``import sob_core``."""
    if name in _HOST_NAMES:
        import importlib

        return getattr(importlib.import_module(_HOST_NAMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
