"""A local stand-in for BankID's RP API v6, for the tests: BankID itself cannot be reached from here.

It implements what the documented API does that sob relies on: ``/auth``, ``/phone/auth``,
``/collect`` and ``/cancel`` under ``/rp/v6.0/``, JSON in and out, errors as
``{"errorCode", "details"}`` with BankID's HTTP statuses, over TLS that demands a client
certificate issued by the RP CA (as BankID accepts only RP certificates issued for its service).
What the user does in the BankID app is played by the test: ``plan`` lists the collect answers
of the next order, ``scan`` checks an animated QR code the way the app does (token, elapsed
seconds and HMAC-SHA256 of them with the order's qrStartSecret).

``make_pki`` makes the certificates with ``cryptography``: a CA for the server, a CA for RP
certificates, and RP certificates signed by it (or by a rogue CA), valid as long as asked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# --- certificates ------------------------------------------------------------------------------


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    days: float = 365,
    server: bool = False,
) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name = issuer[0].subject if issuer else _name(subject)
    signing_key = issuer[1] if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(signing_key, hashes.SHA256())


def _write(path: Path, *items: x509.Certificate | ec.EllipticCurvePrivateKey) -> str:
    chunks = []
    for item in items:
        if isinstance(item, x509.Certificate):
            chunks.append(item.public_bytes(serialization.Encoding.PEM))
        else:
            chunks.append(
                item.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
    path.write_bytes(b"".join(chunks))
    return str(path)


@dataclass
class PKI:
    folder: Path
    server_ca: str = ""  # what the RP trusts (BankID's SSL root in production)
    server_cert: str = ""  # the stand-in's certificate and key, one file
    rp_ca: str = ""  # what the stand-in accepts client certificates from
    _rp_ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None

    def rp_certificate(
        self, name: str, *, days: float = 365, rogue: bool = False
    ) -> tuple[str, str]:
        """An RP certificate and its key as two PEM files; ``rogue``: signed by a CA BankID
        does not know."""
        assert self._rp_ca is not None
        issuer = self._rp_ca
        if rogue:
            rogue_key = _key()
            issuer = (_certificate("Rogue CA", rogue_key, None, ca=True), rogue_key)
        key = _key()
        cert = _certificate(name, key, issuer, days=days)
        return (
            _write(self.folder / f"{name}.crt.pem", cert),
            _write(self.folder / f"{name}.key.pem", key),
        )


def make_pki(folder: Path) -> PKI:
    folder.mkdir(parents=True, exist_ok=True)
    pki = PKI(folder)
    server_ca_key = _key()
    server_ca = _certificate("Test BankID SSL Root CA", server_ca_key, None, ca=True)
    server_key = _key()
    server = _certificate("appapi.stand-in", server_key, (server_ca, server_ca_key), server=True)
    rp_ca_key = _key()
    rp_ca = _certificate("Test BankID RP CA", rp_ca_key, None, ca=True)
    pki.server_ca = _write(folder / "server-ca.pem", server_ca)
    pki.server_cert = _write(folder / "server.pem", server, server_key)
    pki.rp_ca = _write(folder / "rp-ca.pem", rp_ca)
    pki._rp_ca = (rp_ca, rp_ca_key)
    return pki


# --- the API -----------------------------------------------------------------------------------

PENDING = {"status": "pending", "hintCode": "outstandingTransaction"}


@dataclass
class StandInOrder:
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str
    started: float
    end_user_ip: str
    plan: list[dict[str, Any]]
    collects: int = 0
    scanned: bool = False
    cancelled: bool = False


@dataclass
class StandIn:
    """The server's state, which the tests read and steer."""

    person: dict[str, str] = field(
        default_factory=lambda: {
            "personalNumber": "199001012385",
            "name": "Karin Andersson",
            "givenName": "Karin",
            "surname": "Andersson",
        }
    )
    #: the collect answers of the next order, one per call (the last one repeats)
    plan: list[dict[str, Any]] = field(default_factory=list)
    #: an error for the next /auth call: (HTTP status, errorCode)
    auth_error: tuple[int, str] | None = None
    orders: dict[str, StandInOrder] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def complete(self) -> dict[str, Any]:
        return {
            "status": "complete",
            "completionData": {
                "user": dict(self.person),
                "device": {
                    "ipAddress": "127.0.0.1",
                    "uhi": "OZvYM9VvyiAmG7NA5jU5zqGcVpLgu8GMbvXJG9k",
                },
                "bankIdIssueDate": "2024-01-01",
                "signature": "PD94bWwgdmVyc2lvbj0iMS4wIj8+",
                "ocspResponse": "MIIHfgoBAKCCB3cwggdzBgkrBgEFBQcwAQEEggdk",
            },
        }

    def scan(self, qr: str) -> bool:
        """What the BankID app checks when it reads an animated QR code; marks the order scanned."""
        try:
            prefix, token, seconds, code = qr.split(".")
        except ValueError:
            return False
        with self.lock:
            order = next((o for o in self.orders.values() if o.qr_start_token == token), None)
            if prefix != "bankid" or order is None or not seconds.isdigit():
                return False
            expected = hmac.new(
                order.qr_start_secret.encode(), seconds.encode(), hashlib.sha256
            ).hexdigest()
            fresh = abs(time.time() - order.started - int(seconds)) <= 2
            if hmac.compare_digest(expected, code) and fresh:
                order.scanned = True
                return True
            return False

    # one method per API call: (HTTP status, answer)
    def auth(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not isinstance(body.get("endUserIp"), str) or not body["endUserIp"]:
            return 400, {"errorCode": "invalidParameters", "details": "Incorrect endUserIp"}
        if self.auth_error:
            status, code = self.auth_error
            self.auth_error = None
            return status, {"errorCode": code, "details": "stand-in"}
        order = StandInOrder(
            str(uuid.uuid4()),
            str(uuid.uuid4()),
            str(uuid.uuid4()),
            str(uuid.uuid4()),
            time.time(),
            body["endUserIp"],
            self.plan or [PENDING],
        )
        self.plan = []
        self.orders[order.order_ref] = order
        return 200, {
            "orderRef": order.order_ref,
            "autoStartToken": order.auto_start_token,
            "qrStartToken": order.qr_start_token,
            "qrStartSecret": order.qr_start_secret,
        }

    def phone_auth(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("callInitiator") not in ("user", "RP") or not body.get("personalNumber"):
            return 400, {"errorCode": "invalidParameters", "details": "Incorrect parameters"}
        status, answer = self.auth({"endUserIp": "127.0.0.1"})
        return status, {"orderRef": answer["orderRef"]} if status == 200 else answer

    def collect(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order = self.orders.get(str(body.get("orderRef")))
        if order is None or order.cancelled:
            return 400, {"errorCode": "invalidParameters", "details": "No such order"}
        step = order.plan[min(order.collects, len(order.plan) - 1)]
        order.collects += 1
        if step.get("status") == "complete":
            step = self.complete()
        return 200, {"orderRef": order.order_ref, **step}

    def cancel(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        order = self.orders.get(str(body.get("orderRef")))
        if order is None or order.cancelled:
            return 400, {"errorCode": "invalidParameters", "details": "No such order"}
        order.cancelled = True
        return 200, {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (quiet tests)
        pass

    def do_POST(self) -> None:  # noqa: N802
        methods = {
            "/rp/v6.0/auth": self.server.state.auth,
            "/rp/v6.0/phone/auth": self.server.state.phone_auth,
            "/rp/v6.0/collect": self.server.state.collect,
            "/rp/v6.0/cancel": self.server.state.cancel,
        }
        method = methods.get(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if method is None:
            status, answer = 404, {"errorCode": "notFound", "details": "No such method"}
        elif self.headers.get("Content-Type") != "application/json":
            status, answer = 415, {"errorCode": "unsupportedMediaType", "details": ""}
        else:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not isinstance(body, dict):
                status, answer = 400, {"errorCode": "invalidParameters", "details": "Not JSON"}
            else:
                with self.server.state.lock:
                    self.server.state.requests.append((self.path, body))
                    status, answer = method(body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: StandIn

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that fails the TLS handshake is the test's point, not an error here


def serve(pki: PKI) -> tuple[_Server, StandIn, str]:
    """Start the stand-in on a free port; returns the server, its state and its base URL."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki.rp_ca)
    context.load_cert_chain(pki.server_cert)
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = StandIn()
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.state, f"https://127.0.0.1:{server.server_address[1]}/rp/v6.0"
