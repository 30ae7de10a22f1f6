"""Alexa request verification: Amazon's URL rules, timestamps, and a real signed chain."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.channels.alexa_verify import (
    AlexaVerificationError,
    AlexaVerifier,
    check_timestamp,
    normalized_cert_url,
)
from tests.support.alexa_certs import CERT_URL, NOW, alexa_request, make_chain


@pytest.fixture(scope="module")
def chain():
    return make_chain()


def verifier_for(chain, fetched: list | None = None, now: dt.datetime = NOW, roots=None):
    def fetch(url: str) -> bytes:
        if fetched is not None:
            fetched.append(url)
        return chain.pem

    return AlexaVerifier(fetch=fetch, trust_roots=roots or [chain.root],
                         clock=lambda: now.timestamp())


def headers(chain, body: bytes, url: str = CERT_URL, sha1: bool = False) -> dict:
    key = "signature" if sha1 else "signature-256"
    return {"signaturecertchainurl": url, key: chain.sign(body, sha1=sha1)}


# Amazon's own examples of valid and invalid SignatureCertChainUrl values
@pytest.mark.parametrize("url", [
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    "HTTPS://s3.AmazonAWS.COM/echo.api/echo-api-cert.pem",
])
def test_valid_certificate_urls(url):
    assert normalized_cert_url(url) == "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


@pytest.mark.parametrize("url, why", [
    ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "scheme"),
    ("https://notamazon.com/echo.api/echo-api-cert.pem", "host"),
    ("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem", "host"),
    ("https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem", "host"),
    ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "path"),
    ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "path"),
    ("https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem", "path"),
    ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "port"),
    ("", "missing"),
])
def test_invalid_certificate_urls(url, why):
    with pytest.raises(AlexaVerificationError, match=why):
        normalized_cert_url(url)


def test_timestamp_must_be_within_150_seconds():
    now = NOW.timestamp()
    check_timestamp("2026-06-01T12:02:30Z", now)  # exactly 150 s later: accepted
    check_timestamp("2026-06-01T11:57:30Z", now)
    with pytest.raises(AlexaVerificationError, match="151 s"):
        check_timestamp("2026-06-01T11:57:29Z", now)
    with pytest.raises(AlexaVerificationError, match="ISO 8601"):
        check_timestamp("yesterday", now)


def test_signed_request_passes_and_the_chain_is_fetched_once(chain):
    fetched: list = []
    verifier = verifier_for(chain, fetched)
    for query in ("a comedy", "more"):
        body = alexa_request(query=query)
        assert verifier.verify(headers(chain, body), body)["request"]["intent"]["slots"][
            "query"]["value"] == query
    assert fetched == [CERT_URL]


def test_sha1_signature_header_is_accepted(chain):
    body = alexa_request(query="a comedy")
    assert verifier_for(chain).verify(headers(chain, body, sha1=True), body)


def test_tampered_body_is_refused(chain):
    body = alexa_request(query="a comedy")
    signed = headers(chain, body)
    with pytest.raises(AlexaVerificationError, match="does not match"):
        verifier_for(chain).verify(signed, body.replace(b"a comedy", b"a horror"))


def test_missing_or_broken_signature_is_refused(chain):
    body = alexa_request(query="x")
    with pytest.raises(AlexaVerificationError, match="missing Signature"):
        verifier_for(chain).verify({"signaturecertchainurl": CERT_URL}, body)
    with pytest.raises(AlexaVerificationError, match="base64"):
        verifier_for(chain).verify({"signaturecertchainurl": CERT_URL,
                                    "signature-256": "not base64!"}, body)


def test_replayed_request_is_refused(chain):
    body = alexa_request(query="x", timestamp=NOW - dt.timedelta(minutes=10))
    with pytest.raises(AlexaVerificationError, match="away from now"):
        verifier_for(chain).verify(headers(chain, body), body)


def test_certificate_for_another_name_is_refused():
    other = make_chain(san="evil.example.com")
    body = alexa_request(query="x")
    with pytest.raises(AlexaVerificationError, match="echo-api.amazon.com"):
        verifier_for(other).verify(headers(other, body), body)


def test_expired_certificate_is_refused():
    old = make_chain(not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(days=1))
    body = alexa_request(query="x")
    with pytest.raises(AlexaVerificationError, match="expired"):
        verifier_for(old).verify(headers(old, body), body)


def test_chain_to_an_untrusted_root_is_refused(chain):
    stranger = make_chain()
    body = alexa_request(query="x")
    with pytest.raises(AlexaVerificationError, match="not trusted"):
        verifier_for(chain, roots=[stranger.root]).verify(headers(chain, body), body)


def test_unreachable_certificate_is_refused():
    def fetch(url):
        raise OSError("connection refused")

    body = alexa_request(query="x")
    verifier = AlexaVerifier(fetch=fetch, trust_roots=[], clock=lambda: NOW.timestamp())
    with pytest.raises(AlexaVerificationError, match="could not load"):
        verifier.verify({"signaturecertchainurl": CERT_URL, "signature-256": "AAAA"}, body)
