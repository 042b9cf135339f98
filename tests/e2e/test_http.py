"""The HTTP face's transport (issue 4, SPEC §5): keep-alive, limits, JSON errors, /healthz,
/metrics, HTTPS with --tls-cert, and hostile bytes that must not hurt other clients."""

import json
import socket

import pytest
import requests

import harness

pytestmark = pytest.mark.skipif(harness.direct_mode(), reason="the HTTP face is Nectar's own")


def base(proc):
    return f"http://127.0.0.1:{proc.http_port}"


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


def raw_exchange(port, data, read_until_close=True):
    """Sends bytes on a fresh connection; returns everything the server answers before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            if not read_until_close:
                break
        return b"".join(chunks)


def test_healthz(nectar_proc):
    r = requests.get(base(nectar_proc) + "/healthz", timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["services"] == 1
    assert body["uptimeSeconds"] >= 0
    assert r.headers["Cache-Control"] == "no-store"


def test_head_has_no_body(nectar_proc):
    r = requests.head(base(nectar_proc) + "/healthz", timeout=10)
    assert r.status_code == 200
    assert r.content == b""
    assert int(r.headers["Content-Length"]) > 0


def test_unknown_path_is_json_404(nectar_proc):
    r = requests.get(base(nectar_proc) + "/api/v3/nope", timeout=10)
    assert r.status_code == 404
    assert "/api/v3/nope" in error_of(r)["message"]


def test_wrong_method_is_405_with_allow(nectar_proc):
    r = requests.post(base(nectar_proc) + "/healthz", data=b"{}", timeout=10)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET"
    assert "POST" in error_of(r)["message"]


def test_keep_alive_reuses_one_connection(nectar_proc):
    with requests.Session() as s:
        for _ in range(5):
            assert s.get(base(nectar_proc) + "/healthz", timeout=10).status_code == 200
        metrics = s.get(base(nectar_proc) + "/metrics", timeout=10).text
    # The session's one connection is the only HTTP connection open while it asks.
    assert "\nnectar_http_connections 1\n" in metrics


def test_metrics_prometheus_text(nectar_proc):
    requests.get(base(nectar_proc) + "/nope", timeout=10)
    r = requests.get(base(nectar_proc) + "/metrics", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = int(value)
    assert values["nectar_up"] == 1
    assert values["nectar_worker_threads"] == 2
    assert values["nectar_services"] == 1
    assert values["nectar_http_requests_total"] >= 1
    assert values['nectar_http_responses_total{class="4xx"}'] >= 1
    assert "# TYPE nectar_http_requests_total counter" in r.text


def test_oversized_body_is_413_and_data_untouched(nectar_proc):
    r = requests.post(base(nectar_proc) + "/healthz", data=b"x" * (2 * 1024 * 1024), timeout=30)
    assert r.status_code == 413
    assert "1048576" in error_of(r)["message"]
    assert requests.get(base(nectar_proc) + "/healthz", timeout=10).status_code == 200


def test_oversized_headers_are_431(nectar_proc):
    r = requests.get(base(nectar_proc) + "/healthz", headers={"X-Big": "a" * 40000}, timeout=10)
    assert r.status_code == 431
    error_of(r)


def test_bad_percent_escape_and_nul_are_400(nectar_proc):
    for target in (b"/heal%zzthz", b"/healthz%00", b"/x?a=%4"):
        answer = raw_exchange(nectar_proc.http_port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), answer
        assert json.loads(body)["error"]["sqlstate"] == "22021"


@pytest.mark.parametrize("garbage", [
    b"\x00\x01\x02\x03 garbage\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
])
def test_hostile_requests_get_an_error_and_others_keep_working(nectar_proc, garbage):
    with requests.Session() as bystander:
        assert bystander.get(base(nectar_proc) + "/healthz", timeout=10).status_code == 200
        answer = raw_exchange(nectar_proc.http_port, garbage)
        assert answer.startswith(b"HTTP/1.1 4"), answer
        assert bystander.get(base(nectar_proc) + "/healthz", timeout=10).status_code == 200


def test_client_that_disconnects_mid_request_does_not_hurt(nectar_proc):
    for partial in (b"GET /healthz HTT", b"POST /healthz HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"):
        with socket.create_connection(("127.0.0.1", nectar_proc.http_port), timeout=10) as s:
            s.sendall(partial)
    assert requests.get(base(nectar_proc) + "/healthz", timeout=10).status_code == 200


def test_https_with_tls_cert(nectar_tls_proc, tls_files):
    r = requests.get(f"https://127.0.0.1:{nectar_tls_proc.http_port}/healthz", verify=str(tls_files.ca_cert),
                     timeout=10)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    # Plain HTTP to the HTTPS listener gets nothing useful, and the listener keeps working.
    answer = raw_exchange(nectar_tls_proc.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert not answer.startswith(b"HTTP/1.1 200")
    r = requests.get(f"https://127.0.0.1:{nectar_tls_proc.http_port}/healthz", verify=str(tls_files.ca_cert),
                     timeout=10)
    assert r.status_code == 200


@pytest.fixture(scope="module")
def nectar_keys(nectar_factory):
    """A nectar with API keys: every protected request must carry one, loopback or not."""
    return nectar_factory(args=["--api-key", "k-reader:reader,writer", "--api-key", "k-admin:admin"],
                          name="nectar-keys")


def test_api_keys_401_403_and_open_healthz(nectar_keys):
    url = base(nectar_keys)
    assert requests.get(url + "/healthz", timeout=10).status_code == 200  # probes need no key
    r = requests.get(url + "/metrics", timeout=10)
    assert r.status_code == 401
    assert error_of(r)["sqlstate"] == "28000"
    assert r.headers["WWW-Authenticate"].startswith("X-API-Key")
    assert requests.get(url + "/metrics", headers={"X-API-Key": "k-reade"}, timeout=10).status_code == 401
    assert requests.get(url + "/metrics", headers={"X-API-Key": "k-reader"}, timeout=10).status_code == 200
    assert requests.get(url + "/metrics", headers={"X-API-Key": "k-reader", "X-Role": "writer"},
                        timeout=10).status_code == 200
    r = requests.get(url + "/metrics", headers={"X-API-Key": "k-reader", "X-Role": "admin"}, timeout=10)
    assert r.status_code == 403
    assert error_of(r)["sqlstate"] == "42501"
    r = requests.get(url + "/api/v2/app/_table/x", headers={"Authorization": "Bearer a.b.c"}, timeout=10)
    assert r.status_code == 401 and "JWT" in error_of(r)["message"]
    # An unknown path is still a 404 to anyone: routes are matched before authentication.
    assert requests.get(url + "/nope", timeout=10).status_code == 404


def test_page_limits_and_numeric_style_from_flags(nectar_factory):
    """--rest-default-limit, --rest-max-limit (a larger ?limit= is a 400, never a silent cap) and
    --rest-numeric string, on the demo's products."""
    n = nectar_factory(["--demo", "--rest-default-limit", "3", "--rest-max-limit", "5", "--rest-numeric", "string"],
                       name="nectar-rest-limits")
    url = f"{base(n)}/api/v2/demo/_table/products"
    r = requests.get(url, params={"sort": "id"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["data"]) == 3 and body["meta"]["limit"] == 3
    assert all(isinstance(p["price"], str) and "." in p["price"] for p in body["data"])
    assert len(requests.get(url, params={"limit": "5"}, timeout=30).json()["data"]) == 5
    r = requests.get(url, params={"limit": "6"}, timeout=30)
    assert r.status_code == 400 and "5" in error_of(r)["message"]
    r = requests.post(url, data="[" * 65 + "]" * 65, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 400 and error_of(r)["sqlstate"] == "54000"
