"""Checking that a request really comes from Alexa, as Amazon requires of every custom skill
hosted as a web service (developer.amazon.com: "Verify that the request was sent by Alexa").

1. The `SignatureCertChainUrl` header, after normalising the path (`/echo.api/../echo.api/x`):
   scheme https, host s3.amazonaws.com (both case-insensitive), path starting with `/echo.api/`
   (case-sensitive), port 443 if one is given.
2. The certificate chain at that URL (fetched once, cached until it expires): the signing
   certificate is valid now, has the subject alternative name echo-api.amazon.com, and chains
   to a trusted root (cryptography's web-PKI verifier; roots: certifi's bundle by default).
3. The `Signature-256` header (or the older SHA-1 `Signature`): base64 RSA PKCS#1 v1.5 of the
   raw request body, checked with the signing certificate's public key.
4. The body's `request.timestamp` within 150 s of now (replayed requests are refused).

Any failure raises `AlexaVerificationError` (the server answers 400, as Amazon expects).
Fetching certificates and the clock are injectable, so tests run with a chain they generate.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import posixpath
import threading
import time
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

ALEXA_SAN = "echo-api.amazon.com"
MAX_CHAIN_BYTES = 64 * 1024


class AlexaVerificationError(ValueError):
    """The request could not be shown to come from Alexa."""


def normalized_cert_url(url: str) -> str:
    """Check Amazon's rules for `SignatureCertChainUrl`; return the normalised URL to fetch."""
    if not url:
        raise AlexaVerificationError("missing SignatureCertChainUrl header")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise AlexaVerificationError("certificate URL: scheme must be https")
    if (parts.hostname or "").lower() != "s3.amazonaws.com" or parts.username or parts.password:
        raise AlexaVerificationError("certificate URL: host must be s3.amazonaws.com")
    try:
        port = parts.port
    except ValueError as e:
        raise AlexaVerificationError("certificate URL: bad port") from e
    if port is not None and port != 443:
        raise AlexaVerificationError("certificate URL: port must be 443")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith("/echo.api/"):
        raise AlexaVerificationError("certificate URL: path must start with /echo.api/")
    return urlunsplit(("https", "s3.amazonaws.com", path, parts.query, ""))


def check_timestamp(timestamp: str, now: float, max_skew_s: float = 150.0) -> None:
    """`request.timestamp` (ISO 8601, e.g. 2026-01-02T03:04:05Z) within max_skew_s of now."""
    try:
        when = dt.datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
    except ValueError as e:
        raise AlexaVerificationError(f"request timestamp {timestamp!r} is not ISO 8601") from e
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    skew = abs(now - when.timestamp())
    if skew > max_skew_s:
        raise AlexaVerificationError(
            f"request timestamp is {skew:.0f} s away from now (the limit is {max_skew_s:.0f} s)")


def fetch_https(url: str, timeout_s: float = 5.0) -> bytes:
    """GET the certificate chain (PEM) over https, at most 64 KiB."""
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (https only)
        data = response.read(MAX_CHAIN_BYTES + 1)
    if len(data) > MAX_CHAIN_BYTES:
        raise AlexaVerificationError("certificate chain is larger than 64 KiB")
    return data


def default_trust_roots() -> list[x509.Certificate]:
    with open(certifi.where(), "rb") as f:
        return x509.load_pem_x509_certificates(f.read())


class AlexaVerifier:
    """`verify(headers, body) -> dict`: the request JSON, once every check above has passed."""

    def __init__(self, fetch: Callable[[str], bytes] = fetch_https,
                 trust_roots: list[x509.Certificate] | None = None,
                 clock: Callable[[], float] = time.time, max_skew_s: float = 150.0):
        self.fetch = fetch
        self._roots = trust_roots
        self.clock = clock
        self.max_skew_s = max_skew_s
        self._cache: dict[str, tuple[x509.Certificate, float]] = {}  # url → (leaf, expires)
        self._lock = threading.Lock()

    def _store(self) -> Store:
        if self._roots is None:
            self._roots = default_trust_roots()
        return Store(self._roots)

    def signing_certificate(self, url: str) -> x509.Certificate:
        """The verified signing certificate behind a (normalised) URL; cached until it expires."""
        now = self.clock()
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None and now < cached[1]:
            return cached[0]
        try:
            chain = x509.load_pem_x509_certificates(self.fetch(url))
        except AlexaVerificationError:
            raise
        except Exception as e:  # network or parse failure: the request cannot be verified
            raise AlexaVerificationError(f"could not load the certificate chain: {e}") from e
        leaf, intermediates = chain[0], chain[1:]
        when = dt.datetime.fromtimestamp(now, tz=dt.UTC)
        if not leaf.not_valid_before_utc <= when <= leaf.not_valid_after_utc:
            raise AlexaVerificationError("the signing certificate is expired or not yet valid")
        try:
            names = leaf.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            names = []
        if ALEXA_SAN not in names:
            raise AlexaVerificationError(f"the signing certificate is not for {ALEXA_SAN}")
        verifier = (PolicyBuilder().store(self._store()).time(when)
                    .build_server_verifier(DNSName(ALEXA_SAN)))
        try:
            verifier.verify(leaf, intermediates)
        except VerificationError as e:
            raise AlexaVerificationError(f"the certificate chain is not trusted: {e}") from e
        if not isinstance(leaf.public_key(), rsa.RSAPublicKey):
            raise AlexaVerificationError("the signing certificate has no RSA key")
        expires = min(c.not_valid_after_utc for c in chain).timestamp()
        with self._lock:
            self._cache[url] = (leaf, expires)
        return leaf

    def verify(self, headers: dict[str, str], body: bytes) -> dict:
        """Headers (case-insensitive mapping) and the raw body → the parsed request JSON."""
        url = normalized_cert_url(headers.get("signaturecertchainurl", ""))
        if headers.get("signature-256"):
            signature, digest = headers["signature-256"], hashes.SHA256()
        elif headers.get("signature"):
            signature, digest = headers["signature"], hashes.SHA1()  # noqa: S303 (Amazon's)
        else:
            raise AlexaVerificationError("missing Signature-256 header")
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except ValueError as e:
            raise AlexaVerificationError("the signature is not base64") from e
        leaf = self.signing_certificate(url)
        try:
            leaf.public_key().verify(raw_signature, body, padding.PKCS1v15(), digest)
        except InvalidSignature as e:
            raise AlexaVerificationError("the body does not match its signature") from e
        try:
            request = json.loads(body)
        except ValueError as e:
            raise AlexaVerificationError("the body is not JSON") from e
        check_timestamp(((request or {}).get("request") or {}).get("timestamp", ""),
                        self.clock(), self.max_skew_s)
        return request
