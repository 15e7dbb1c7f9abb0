"""The host's tests use the fixtures of sob_core.testing (a pytest plugin installed with sob-core)."""

from hypothesis import settings

# Property tests are judged by their examples, not by how fast a loaded 2-core machine runs them.
settings.register_profile("sob", deadline=None)
settings.load_profile("sob")
