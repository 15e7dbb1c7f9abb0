"""A small client for the BankID relying-party API, version 6, over mutual TLS.

Only what sob needs: ``/auth``, ``/phone/auth``, ``/collect`` and ``/cancel``, JSON over HTTPS
with the relying party's certificate (the RP certificate the bank issues) as the client
certificate, and BankID's server certificate checked against the CA given in the settings
(BankID's own SSL root, not the system's trust store). Nothing here needs Flask.

The animated QR code is computed here too: ``bankid.<qrStartToken>.<time>.<qrAuthCode>`` where
``time`` is the whole seconds since the ``/auth`` answer arrived and ``qrAuthCode`` is the hex
HMAC-SHA256 of ``time`` (as decimal text) keyed with ``qrStartSecret``. The secret stays on the
server: pages get the computed QR, never the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: BankID's production API (the test environment is https://appapi2.test.bankid.com/rp/v6.0)
PRODUCTION_URL = "https://appapi2.bankid.com/rp/v6.0"


class BankIDError(Exception):
    """The API answered with an error (``errorCode`` and ``details``), or could not be reached.

    ``code`` is BankID's errorCode ("alreadyInProgress", "invalidParameters", "maintenance" ...)
    or "unreachable" when no answer came: connection refused, timeout, or a failed TLS handshake
    (a certificate BankID does not accept, or a server certificate our CA does not vouch for).
    """

    def __init__(self, code: str, details: str = "", status: int | None = None) -> None:
        super().__init__(f"{code}: {details}" if details else code)
        self.code = code
        self.details = details
        self.status = status


@dataclass(frozen=True)
class Order:
    """What ``/auth`` answers: the order's reference and the tokens of secure start."""

    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str


@dataclass(frozen=True)
class Collected:
    """One ``/collect`` answer. ``user`` is completionData.user when complete."""

    status: str  # "pending" | "failed" | "complete"
    hint_code: str | None
    user: dict[str, str] | None = None
    completion: dict[str, Any] | None = None


def qr_data(qr_start_token: str, qr_start_secret: str, seconds: int) -> str:
    """The text of the animated QR code ``seconds`` whole seconds after the order started."""
    code = hmac.new(qr_start_secret.encode(), str(seconds).encode(), hashlib.sha256).hexdigest()
    return f"bankid.{qr_start_token}.{seconds}.{code}"


def autostart_url(auto_start_token: str) -> str:
    """The link that opens BankID on this device (``redirect=null``: the user comes back)."""
    return f"bankid:///?autostarttoken={auto_start_token}&redirect=null"


class BankIDClient:
    """Calls the RP API at ``base_url`` with the RP certificate ``cert`` (PEM; ``key`` its key,
    unless the key is in ``cert``) and trusts only ``ca`` for BankID's server certificate."""

    def __init__(
        self, base_url: str, *, cert: str, key: str | None, ca: str, timeout: float = 10.0
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"the BankID URL must be an https URL, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 443
        self.path = parts.path.rstrip("/")
        self.cert, self.key, self.ca, self.timeout = cert, key or None, ca, timeout

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ca)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert, self.key)
        return context

    def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` as JSON to ``<base>/<method>``; the answer's JSON, or ``BankIDError``."""
        try:
            context = self._context()
        except (OSError, ssl.SSLError) as error:  # a missing or unreadable certificate file
            raise BankIDError("unreachable", f"RP certificate: {error}") from error
        connection = http.client.HTTPSConnection(
            self.host, self.port, context=context, timeout=self.timeout
        )
        try:
            connection.request(
                "POST",
                f"{self.path}/{method}",
                body=json.dumps(body),
                headers={"Content-Type": "application/json"},
            )
            response = connection.getresponse()
            status, raw = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            raise BankIDError("unreachable", str(error)) from error
        finally:
            connection.close()
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if status != 200:
            raise BankIDError(
                str(answer.get("errorCode") or f"http{status}"),
                str(answer.get("details") or ""),
                status,
            )
        return answer

    def auth(self, end_user_ip: str, *, requirement: dict[str, Any] | None = None) -> Order:
        """Start an authentication order for the user at ``end_user_ip``."""
        body: dict[str, Any] = {"endUserIp": end_user_ip}
        if requirement:
            body["requirement"] = requirement
        answer = self.call("auth", body)
        try:
            return Order(
                str(answer["orderRef"]),
                str(answer["autoStartToken"]),
                str(answer["qrStartToken"]),
                str(answer["qrStartSecret"]),
            )
        except KeyError as error:
            raise BankIDError("invalidAnswer", f"no {error} in the auth answer") from error

    def phone_auth(self, personal_number: str, call_initiator: str) -> str:
        """Start an order for a caller on the phone (``call_initiator``: "user" or "RP")."""
        answer = self.call(
            "phone/auth", {"personalNumber": personal_number, "callInitiator": call_initiator}
        )
        if "orderRef" not in answer:
            raise BankIDError("invalidAnswer", "no orderRef in the phone/auth answer")
        return str(answer["orderRef"])

    def collect(self, order_ref: str) -> Collected:
        answer = self.call("collect", {"orderRef": order_ref})
        status = str(answer.get("status") or "")
        if status not in ("pending", "failed", "complete"):
            raise BankIDError("invalidAnswer", f"unknown collect status {status!r}")
        completion = answer.get("completionData") if status == "complete" else None
        user = completion.get("user") if isinstance(completion, dict) else None
        if status == "complete" and not (isinstance(user, dict) and user.get("personalNumber")):
            raise BankIDError("invalidAnswer", "a complete order without completionData.user")
        return Collected(status, answer.get("hintCode"), user, completion)

    def cancel(self, order_ref: str) -> None:
        self.call("cancel", {"orderRef": order_ref})
