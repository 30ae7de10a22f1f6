"""A certificate chain like Amazon's (root → intermediate → echo-api.amazon.com), made in the
test, and Alexa requests signed with it: no network, same checks as in production."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
NOW = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ca(subject: str, key, issuer: str, issuer_key, not_before, not_after, path_length):
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                            False), True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False))
    if issuer_key is not key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Chain:
    root: x509.Certificate
    pem: bytes  # leaf + intermediate, as Amazon serves it
    leaf_key: rsa.RSAPrivateKey

    def sign(self, body: bytes, sha1: bool = False) -> str:
        digest = hashes.SHA1() if sha1 else hashes.SHA256()
        return base64.b64encode(self.leaf_key.sign(body, padding.PKCS1v15(), digest)).decode()


def make_chain(san: str = "echo-api.amazon.com", not_before: dt.datetime | None = None,
               not_after: dt.datetime | None = None) -> Chain:
    not_before = not_before or NOW - dt.timedelta(days=30)
    not_after = not_after or NOW + dt.timedelta(days=300)
    root_key, mid_key, leaf_key = _key(), _key(), _key()
    long_ago, far = NOW - dt.timedelta(days=3650), NOW + dt.timedelta(days=3650)
    root = _ca("Test Root CA", root_key, "Test Root CA", root_key, long_ago, far, None)
    mid = _ca("Test Intermediate CA", mid_key, "Test Root CA", root_key, long_ago, far, 0)
    leaf = (x509.CertificateBuilder().subject_name(_name(san))
            .issuer_name(_name("Test Intermediate CA")).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()),
                           False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                mid_key.public_key()), False)
            .sign(mid_key, hashes.SHA256()))
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, mid))
    return Chain(root, pem, leaf_key)


def alexa_request(kind: str = "IntentRequest", intent: str | None = "ChatIntent",
                  query: str | None = None, session_id: str = "amzn1.echo-api.session.test-1",
                  timestamp: dt.datetime = NOW,
                  application_id: str = "amzn1.ask.skill.test") -> bytes:
    request: dict = {"type": kind, "requestId": "amzn1.echo-api.request.1",
                     "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"), "locale": "en-US"}
    if kind == "IntentRequest":
        request["intent"] = {"name": intent, "confirmationStatus": "NONE"}
        if query is not None:
            request["intent"]["slots"] = {"query": {"name": "query", "value": query}}
    body = {"version": "1.0",
            "session": {"new": False, "sessionId": session_id,
                        "application": {"applicationId": application_id},
                        "user": {"userId": "amzn1.ask.account.test"}},
            "context": {"System": {"application": {"applicationId": application_id}}},
            "request": request}
    return json.dumps(body).encode()
