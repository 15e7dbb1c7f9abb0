"""The host's tests use the fixtures of sob_core.testing (a pytest plugin installed with sob-core)."""
