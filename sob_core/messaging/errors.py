"""Coded messaging errors: the web layer translates the code into a sentence."""

from __future__ import annotations


class MessagingError(ValueError):
    """Something about a message cannot be done; ``code`` says what.

    Codes: ``disabled`` (the programme has no messaging), ``ended`` (the enrollment is read-only),
    ``empty`` / ``too_long`` (the text), ``no_subject`` / ``subject_too_long``, ``not_author``
    (only the author may retract), ``sent_elsewhere`` (the form's send key was used already, for
    another text: the text is kept as a draft).
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
