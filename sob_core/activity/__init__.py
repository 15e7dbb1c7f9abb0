"""Activity plans (aktivitetsplan): a patient's registrations with targets, and their values."""

from __future__ import annotations
