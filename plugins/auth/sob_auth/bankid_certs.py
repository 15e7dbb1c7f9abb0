"""Reading the BankID RP certificate for ``sob auth bankid check``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID


class CertificateProblem(Exception):
    """The certificate (or its key) is missing, unreadable, or the two do not belong together."""


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    not_before: datetime
    not_after: datetime


def _read(path: str, what: str) -> bytes:
    if not path:
        raise CertificateProblem(f"SOB_BANKID_{what.upper()} is not set")
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CertificateProblem(f"cannot read the RP {what} {path}: {error.strerror}") from error


def inspect(cert_path: str, key_path: str | None) -> CertificateInfo:
    """The RP certificate's subject and validity; its key must match it (the key file, or the
    key in the certificate file when there is no key file)."""
    data = _read(cert_path, "cert")
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError as error:
        raise CertificateProblem(f"{cert_path} holds no PEM certificate") from error
    key_data = _read(key_path, "key") if key_path else data
    try:
        key = serialization.load_pem_private_key(key_data, password=None)
    except (ValueError, TypeError) as error:
        where = key_path or cert_path
        raise CertificateProblem(f"{where} holds no unencrypted PEM private key") from error
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if key.public_key().public_bytes(encoding, public) != certificate.public_key().public_bytes(
        encoding, public
    ):
        raise CertificateProblem("the private key does not belong to the RP certificate")
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    subject = str(names[0].value) if names else certificate.subject.rfc4514_string()
    return CertificateInfo(
        subject, certificate.not_valid_before_utc, certificate.not_valid_after_utc
    )
