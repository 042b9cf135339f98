"""REST authentication and rate limiting (issue 4, SPEC §5): X-API-Key and JWT bearer tokens
(HS256, RS256, ES256; pinned algorithm; exp, nbf, aud), X-Role, RFC 6750 challenges, and the
per-caller token bucket with 429, Retry-After and X-RateLimit-*. Every Nectar here serves the
embedded SQLite demo, and answers are compared with what demo.db itself holds."""

import base64
import hashlib
import hmac
import json
import sqlite3
import subprocess
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import harness

pytestmark = pytest.mark.skipif(harness.direct_mode(), reason="the HTTP face is Nectar's own")

SECRET = "e2e-shared-secret-with-enough-bytes-0123456789"
AUDIENCE = "nectar-api"
USERS = "/api/v2/demo/_table/users"


def error_of(response):
    """SPEC §5's error body: {"error":{"code","sqlstate","message"}}, checked whole."""
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == response.status_code
    assert isinstance(error["sqlstate"], str) and len(error["sqlstate"]) == 5
    assert error["message"]
    return error


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(sub="alice", roles=("reader", "writer"), aud=AUDIENCE, **extra):
    now = int(time.time())
    body = {"sub": sub, "roles": list(roles), "iat": now, "exp": now + 600, **extra}
    if aud is not None:
        body["aud"] = aud
    return body


def pem_public(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


class Started:
    """The Nectars of this module, stopped at the end with SIGTERM: exit 0, no sanitizer reports."""

    def __init__(self, nectar_bin):
        self.nectar_bin = nectar_bin
        self.all = []

    def start(self, args, name):
        if not self.nectar_bin.exists():
            pytest.fail(f"nectar binary not found at {self.nectar_bin} (build it with tools/build)")
        n = harness.Nectar(self.nectar_bin, list(args), name=name)
        try:
            n.start()
        except BaseException:
            n.cleanup()
            raise
        n.base = f"http://127.0.0.1:{n.http_port}"
        self.all.append(n)
        return n

    def stop_all(self):
        problems = []
        for n in self.all:
            code = n.stop()
            if code != 0:
                problems.append(f"{n.args}: exit code {code} after SIGTERM\n{n.stderr_tail()}")
            reports = n.sanitizer_reports()
            if reports:
                problems.append(f"{n.args}: sanitizer reports:\n" + "\n".join(reports[:20]))
            n.cleanup()
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("jwt-keys")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    (d / "rsa.pem").write_bytes(pem_public(rsa_key))
    (d / "ec.pem").write_bytes(pem_public(ec_key))
    (d / "garbage.pem").write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    return {"dir": d, "rsa": rsa_key, "ec": ec_key,
            "other_rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "other_ec": ec.generate_private_key(ec.SECP256R1())}


@pytest.fixture(scope="module")
def started(nectar_bin):
    s = Started(nectar_bin)
    yield s
    s.stop_all()


@pytest.fixture(scope="module")
def hs256(started):
    return started.start(["--api-key", "k-reader:reader", "--api-key", "k-admin:admin,reader",
                          "--jwt-secret", SECRET, "--jwt-audience", AUDIENCE], "nectar-hs256")


@pytest.fixture(scope="module")
def rs256(started, keys):
    return started.start(["--jwt-algorithm", "RS256", "--jwt-public-key", str(keys["dir"] / "rsa.pem")],
                         "nectar-rs256")


@pytest.fixture(scope="module")
def es256(started, keys):
    return started.start(["--jwt-algorithm", "ES256", "--jwt-public-key", str(keys["dir"] / "ec.pem")],
                         "nectar-es256")


def demo_user_ids(nectar):
    """The users' ids as demo.db itself holds them (the first page of 50, as the API pages)."""
    with sqlite3.connect(nectar.tmp / "data" / "demo.db") as conn:
        return [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id LIMIT 50")]


def get_users(nectar, headers):
    return requests.get(nectar.base + USERS, headers=headers, params={"sort": "id"}, timeout=30)


def assert_users(nectar, response):
    assert response.status_code == 200, response.text
    assert [row["id"] for row in response.json()["data"]] == demo_user_ids(nectar)


def assert_invalid_token(response, words):
    assert response.status_code == 401, response.text
    error = error_of(response)
    assert error["sqlstate"] == "28000"
    assert words in error["message"], error["message"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="nectar", error="invalid_token"'), challenge


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- API keys and HS256 ----------------------------------------------------------------------


def test_no_credentials_is_401_with_both_challenges(hs256):
    r = get_users(hs256, {})
    assert r.status_code == 401
    assert error_of(r)["sqlstate"] == "28000"
    # RFC 6750 §3.1: no error code when the request carried no credentials.
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="nectar", X-API-Key realm="nectar"'
    assert requests.get(hs256.base + "/healthz", timeout=10).status_code == 200  # open for probes


def test_api_keys_wrong_and_right(hs256):
    r = get_users(hs256, {"X-API-Key": "k-nope"})
    assert r.status_code == 401
    assert "invalid API key" in error_of(r)["message"]
    assert_users(hs256, get_users(hs256, {"X-API-Key": "k-reader"}))
    r = get_users(hs256, {"X-API-Key": "k-reader", "X-Role": "admin"})
    assert r.status_code == 403
    assert error_of(r)["sqlstate"] == "42501"
    assert_users(hs256, get_users(hs256, {"X-API-Key": "k-admin", "X-Role": "admin"}))


def test_hs256_valid_token_and_roles(hs256):
    token = jwt.encode(claims(), SECRET, algorithm="HS256")
    assert_users(hs256, get_users(hs256, bearer(token)))
    assert_users(hs256, get_users(hs256, {**bearer(token), "X-Role": "writer"}))
    r = get_users(hs256, {**bearer(token), "X-Role": "admin"})
    assert r.status_code == 403
    error = error_of(r)
    assert error["sqlstate"] == "42501"
    assert '"admin"' in error["message"]
    assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]


def test_hs256_wrong_secret_and_tampering(hs256):
    assert_invalid_token(get_users(hs256, bearer(jwt.encode(claims(), "not-the-secret", algorithm="HS256"))),
                         "invalid token signature")
    good = jwt.encode(claims(), SECRET, algorithm="HS256")
    head, _, sig = good.split(".")
    forged = b64url(json.dumps(claims(sub="root", roles=["admin"])).encode())
    assert_invalid_token(get_users(hs256, bearer(f"{head}.{forged}.{sig}")), "invalid token signature")


def test_expired_and_not_yet_valid(hs256):
    now = int(time.time())
    expired = jwt.encode({**claims(), "exp": now - 120}, SECRET, algorithm="HS256")
    assert_invalid_token(get_users(hs256, bearer(expired)), "expired at")
    within_leeway = jwt.encode({**claims(), "exp": now - 5}, SECRET, algorithm="HS256")
    assert_users(hs256, get_users(hs256, bearer(within_leeway)))  # default leeway: 30 s
    future = jwt.encode({**claims(), "nbf": now + 3600}, SECRET, algorithm="HS256")
    assert_invalid_token(get_users(hs256, bearer(future)), "not valid before")


def test_alg_none_and_alg_mismatch(hs256, keys):
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims()).encode())
    assert_invalid_token(get_users(hs256, bearer(f"{header}.{payload}.")), 'alg "none"')
    rs_token = jwt.encode(claims(), keys["rsa"], algorithm="RS256")
    assert_invalid_token(get_users(hs256, bearer(rs_token)), "accepts only HS256")


def test_audience(hs256):
    assert_invalid_token(get_users(hs256, bearer(jwt.encode(claims(aud="other-api"), SECRET, algorithm="HS256"))),
                         "audience")
    assert_invalid_token(get_users(hs256, bearer(jwt.encode(claims(aud=None), SECRET, algorithm="HS256"))),
                         "audience")
    listed = jwt.encode(claims(aud=["other-api", AUDIENCE]), SECRET, algorithm="HS256")
    assert_users(hs256, get_users(hs256, bearer(listed)))


def test_malformed_tokens(hs256):
    cases = {
        "abc": "has 1",
        "a.b.c.d": "has 4",
        "!!!.e30.e30": "header is not base64url",
        b64url(b"{nope") + ".e30.e30": "header is not valid JSON",
        "x" * 9000: "bytes long",
    }
    for token, words in cases.items():
        assert_invalid_token(get_users(hs256, bearer(token)), words)
    assert get_users(hs256, bearer("x" * 20000)).status_code == 431  # past the HTTP header limit
    r = get_users(hs256, {"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert r.status_code == 401
    assert "Basic" in error_of(r)["message"]
    r = get_users(hs256, {**bearer(jwt.encode(claims(), SECRET, algorithm="HS256")), "X-API-Key": "k-reader"})
    assert r.status_code == 400
    assert 'error="invalid_request"' in r.headers["WWW-Authenticate"]
    assert requests.get(hs256.base + "/healthz", timeout=10).status_code == 200  # still serving


# --- RS256 and ES256 ---------------------------------------------------------------------------


def test_rs256_good_and_bad(rs256, keys):
    assert_users(rs256, get_users(rs256, bearer(jwt.encode(claims(aud=None), keys["rsa"], algorithm="RS256"))))
    assert_invalid_token(get_users(rs256, bearer(jwt.encode(claims(aud=None), keys["other_rsa"], algorithm="RS256"))),
                         "invalid token signature")
    # Key confusion: an HS256 token whose secret is the server's public key text.
    public = pem_public(keys["rsa"]).decode()
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims(aud=None)).encode())
    sig = b64url(hmac.new(public.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert_invalid_token(get_users(rs256, bearer(f"{header}.{payload}.{sig}")), "accepts only RS256")
    assert_invalid_token(get_users(rs256, bearer(jwt.encode(claims(), SECRET, algorithm="HS256"))),
                         "accepts only RS256")


def test_es256_good_and_bad(es256, keys):
    assert_users(es256, get_users(es256, bearer(jwt.encode(claims(aud=None), keys["ec"], algorithm="ES256"))))
    assert_invalid_token(get_users(es256, bearer(jwt.encode(claims(aud=None), keys["other_ec"], algorithm="ES256"))),
                         "invalid token signature")
    good = jwt.encode(claims(aud=None), keys["ec"], algorithm="ES256")
    head, _, sig = good.split(".")
    forged = b64url(json.dumps(claims(sub="mallory", aud=None)).encode())
    assert_invalid_token(get_users(es256, bearer(f"{head}.{forged}.{sig}")), "invalid token signature")
    r = get_users(es256, {**bearer(good), "X-Role": "reader"})
    assert_users(es256, r)


def test_bad_public_key_file_is_exit_code_2(nectar_bin, keys, tmp_path):
    for key_file, words in ((keys["dir"] / "garbage.pem", "not a PEM public key"),
                            (keys["dir"] / "absent.pem", "cannot read"),
                            (keys["dir"] / "rsa.pem", "P-256")):
        done = subprocess.run([str(nectar_bin), "--data-dir", str(tmp_path / "data"), "--jwt-algorithm", "ES256",
                               "--jwt-public-key", str(key_file)], capture_output=True, text=True, timeout=30)
        assert done.returncode == 2, done.stderr
        assert "--jwt-public-key" in done.stderr and words in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- rate limiting -----------------------------------------------------------------------------


def assert_limit_headers(response, remaining):
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    assert int(response.headers["X-RateLimit-Reset"]) in (1, 2, 3)


def exhaust(nectar, headers):
    """Three quick requests of a 3-request burst at 1/s, then the refused fourth."""
    for remaining in (2, 1, 0):
        r = get_users(nectar, headers)
        assert_users(nectar, r)
        assert_limit_headers(r, remaining)
    refused = get_users(nectar, headers)
    assert refused.status_code == 429, refused.text
    error = error_of(refused)
    assert error["sqlstate"] == "53400"
    assert refused.headers["Retry-After"] == "1"
    assert_limit_headers(refused, 0)
    return refused


def test_rate_limit_per_key_and_user_then_recovery(started):
    n = started.start(["--api-key", "k1:reader", "--api-key", "k2:reader", "--jwt-secret", SECRET,
                       "--rate-limit-per-second", "1", "--rate-limit-burst", "3"], "nectar-rate")
    refused = exhaust(n, {"X-API-Key": "k1"})
    # Other callers have their own buckets; open routes are never limited.
    assert_users(n, get_users(n, {"X-API-Key": "k2"}))
    assert_users(n, get_users(n, bearer(jwt.encode(claims(aud=None), SECRET, algorithm="HS256"))))
    health = requests.get(n.base + "/healthz", timeout=10)
    assert health.status_code == 200 and "X-RateLimit-Limit" not in health.headers
    time.sleep(int(refused.headers["Retry-After"]) + 0.1)
    again = get_users(n, {"X-API-Key": "k1"})
    assert_users(n, again)
    assert again.headers["X-RateLimit-Remaining"] == "0"


def test_rate_limit_anonymous_by_ip(started):
    n = started.start(["--rate-limit-per-second", "1", "--rate-limit-burst", "3"], "nectar-rate-ip")
    exhaust(n, {})
    time.sleep(1.1)
    assert_users(n, get_users(n, {}))


def test_rate_limit_flags_are_checked(nectar_bin, tmp_path):
    done = subprocess.run([str(nectar_bin), "--data-dir", str(tmp_path / "data"), "--rate-limit-burst", "5"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "rate-limit-per-second" in done.stderr
