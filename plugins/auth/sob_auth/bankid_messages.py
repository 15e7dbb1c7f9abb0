"""BankID's recommended user messages (RFA codes) and which one each hint code calls for.

The texts are BankID's own recommendations for relying parties, in Swedish and English, and the
choice of message follows BankID's collect documentation: a pending order's hint code tells the
user what to do next, a failed order's hint code why it ended, and an error from ``/auth`` (or a
BankID that cannot be reached) gets the message for its error code. Codes BankID adds later fall
back to RFA21 (pending) and RFA22 (failed), as BankID asks.
"""

from __future__ import annotations

RFA: dict[str, dict[str, str]] = {
    "RFA1": {"sv": "Starta BankID-appen.", "en": "Start your BankID app."},
    "RFA3": {
        "sv": "Åtgärden avbröts. Försök igen.",
        "en": "The action was cancelled. Please try again.",
    },
    "RFA4": {
        "sv": "En identifiering eller underskrift pågår redan för ditt personnummer. Försök igen.",
        "en": "An identification or signature is already in progress for your personal "
        "identity number. Please try again.",
    },
    "RFA5": {"sv": "Något gick fel. Försök igen.", "en": "Something went wrong. Please try again."},
    "RFA6": {"sv": "Åtgärden avbröts.", "en": "The action was cancelled."},
    "RFA8": {
        "sv": "BankID-appen svarar inte. Kontrollera att den är startad och att du har "
        "internetanslutning. Försök sedan igen.",
        "en": "The BankID app is not responding. Please check that it is started and that you "
        "have internet access. Try again.",
    },
    "RFA9": {
        "sv": "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under.",
        "en": "Enter your security code in the BankID app and select Identify or Sign.",
    },
    "RFA13": {"sv": "Försöker starta BankID-appen.", "en": "Trying to start your BankID app."},
    "RFA15A": {
        "sv": "Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här datorn. "
        "Om du har ett BankID på kort, sätt in kortet i kortläsaren.",
        "en": "Searching for BankID. Make sure you have a valid BankID on this computer. If you "
        "have a BankID on card, please insert the card into your card reader.",
    },
    "RFA15B": {
        "sv": "Söker efter BankID. Säkerställ att du har ett giltigt BankID på den här enheten.",
        "en": "Searching for BankID. Make sure you have a valid BankID on this device.",
    },
    "RFA16": {
        "sv": "Ditt BankID är för gammalt eller spärrat. Använd ett annat BankID eller skaffa "
        "ett nytt hos din bank.",
        "en": "Your BankID is blocked or too old. Please use another BankID or get a new one "
        "from your bank.",
    },
    "RFA17A": {
        "sv": "Du verkar inte ha BankID-appen. Installera den och skaffa ett BankID hos din bank.",
        "en": "You don't seem to have the BankID app. Please install it and get a BankID from "
        "your bank.",
    },
    "RFA17B": {
        "sv": "Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden.",
        "en": "Failed to scan the QR code. Start the BankID app and scan the QR code.",
    },
    "RFA21": {
        "sv": "En identifiering eller underskrift pågår.",
        "en": "An identification or signing is in progress.",
    },
    "RFA22": {
        "sv": "Något gick fel. Försök igen.",
        "en": "Something went wrong. Please try again.",
    },
    "RFA23": {
        "sv": "Fotografera och läs av din ID-handling med BankID-appen.",
        "en": "Take a photo of, and scan, your ID document with the BankID app.",
    },
}

#: hint codes of a failed order (the order is over; collect must not be called again)
FAILED: dict[str, str] = {
    "expiredTransaction": "RFA8",
    "certificateErr": "RFA16",
    "userCancel": "RFA6",
    "cancelled": "RFA3",
    "userDeclinedCall": "RFA3",
    "notSupportedByUserApp": "RFA3",
    "transactionRiskBlocked": "RFA22",
}

#: error codes of an HTTP error from the RP API (``/auth``, ``/collect``, ``/cancel``)
ERRORS: dict[str, str] = {
    "alreadyInProgress": "RFA4",
    "internalError": "RFA5",
    "maintenance": "RFA5",
    "requestTimeout": "RFA5",
    #: ours: BankID could not be reached, or the mutual TLS handshake failed
    "unreachable": "RFA5",
}


def pending_code(hint: str | None, *, autostart: bool, mobile: bool) -> str:
    """The RFA code for a pending order's hint code.

    ``autostart`` is true when the user chose to open BankID on this device (the page then tried
    to start the app), ``mobile`` when the browser is on a phone or tablet.
    """
    if hint == "outstandingTransaction":
        return "RFA13" if autostart else "RFA1"
    if hint == "noClient":
        return "RFA1"
    if hint == "started":
        return "RFA15B" if mobile else "RFA15A"
    if hint == "userSign":
        return "RFA9"
    if hint == "userMrtd":
        return "RFA23"
    return "RFA21"


def failed_code(hint: str | None, *, autostart: bool) -> str:
    """The RFA code for a failed order's hint code."""
    if hint == "startFailed":
        return "RFA17A" if autostart else "RFA17B"
    return FAILED.get(hint or "", "RFA22")


def error_code(code: str | None) -> str:
    """The RFA code for an error answer of the RP API (or for not reaching it at all)."""
    return ERRORS.get(code or "", "RFA22")


def text(code: str, lang: str) -> str:
    """The message of an RFA code in ``lang`` ("sv" or "en"; anything else gets Swedish)."""
    message = RFA[code]
    return message.get(lang, message["sv"])
