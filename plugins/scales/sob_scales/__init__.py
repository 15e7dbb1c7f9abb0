"""sob-scales: the standard rating scales of sob, one plugin module per instrument.

Each module registers one ``Scale`` through the ``sob_scales`` hook and is its own entry point in
the group ``sob``, so a region can block a single instrument by name. Modules import only public
names from ``sob_core``.
"""
