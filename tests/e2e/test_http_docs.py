"""GET /api/v2/openapi.json and the /docs page (issue 4, SPEC §5) on the embedded demo: the
document validates and lists exactly the exposed tables, the page's files are served with the
right types and caching, and a headless Chromium drives Swagger UI through "Try it out" /
"Execute" on GET /api/v2/demo/_table/users, over the Chrome DevTools Protocol."""

import asyncio
import json
import os
import pathlib
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.request

import jsonschema
import pytest
import requests
import websockets

import harness
import openapi_check

pytestmark = pytest.mark.skipif(harness.direct_mode(), reason="the HTTP face is Nectar's own")

NECTAR_BIN = pathlib.Path(os.environ.get("NECTAR_BIN", harness.DEFAULT_NECTAR_BIN))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEMO_TABLES = {"users", "products", "orders"}
API_KEY = "docs-test-key-1"


def start_nectar(args, name):
    if not NECTAR_BIN.exists():
        pytest.fail(f"nectar binary not found at {NECTAR_BIN} (build it with tools/build)")
    n = harness.Nectar(NECTAR_BIN, ["--demo", *args], name=name)
    n.start()
    return n


def stop_nectar(n):
    code = n.stop()
    problems = n.sanitizer_reports()
    n.cleanup()
    assert code == 0, f"exit code {code} after SIGTERM"
    assert not problems, problems


@pytest.fixture(scope="module")
def demo():
    """An anonymous-on-loopback nectar with the embedded demo."""
    n = start_nectar([], "docs-demo")
    yield n
    stop_nectar(n)


@pytest.fixture(scope="module")
def keyed():
    """The same demo behind an API key."""
    n = start_nectar(["--api-key", f"{API_KEY}:admin"], "docs-keyed")
    yield n
    stop_nectar(n)


def url(proc, path):
    return f"http://127.0.0.1:{proc.http_port}{path}"


def demo_db(proc):
    return pathlib.Path(proc.tmp) / "data" / "demo.db"


def error_of(response):
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == response.status_code and error["message"]
    return error


# ---------------------------------------------------------------- the OpenAPI document


def test_openapi_document_validates(demo):
    r = requests.get(url(demo, "/api/v2/openapi.json"), timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "no-cache"
    doc = r.json()
    openapi_check.validate(doc)
    assert doc["openapi"] == "3.0.3"
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {**schemes["ApiKeyAuth"], "type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["BearerAuth"]["type"] == "http" and schemes["BearerAuth"]["scheme"] == "bearer"
    assert schemes["BearerAuth"]["bearerFormat"] == "JWT"
    assert {} in doc["security"], "anonymous loopback callers are served: security is optional"


def test_the_validator_rejects_broken_documents(demo):
    """The checks above can fail: each breakage of a served document is caught."""
    doc = requests.get(url(demo, "/api/v2/openapi.json"), timeout=30).json()
    breakages = [
        lambda d: d.update(openapi="2.0"),
        lambda d: d["components"]["schemas"].pop("Error"),
        lambda d: d["paths"]["/api/v2/demo/_table/users/{id}"]["get"].update(parameters=[]),
        lambda d: d["paths"]["/api/v2/demo/_table/users"]["get"].update(responses={}),
        lambda d: d["paths"]["/api/v2/demo/_table/orders"]["get"].update(operationId="demo.users.list"),
    ]
    for index, breakage in enumerate(breakages):
        broken = json.loads(json.dumps(doc))
        breakage(broken)
        with pytest.raises((AssertionError, jsonschema.ValidationError)):
            openapi_check.validate(broken)
            pytest.fail(f"breakage {index} was not caught")


def test_openapi_lists_the_demo_tables_and_their_endpoints(demo):
    doc = requests.get(url(demo, "/api/v2/openapi.json"), timeout=30).json()
    for table in DEMO_TABLES:
        base = f"/api/v2/demo/_table/{table}"
        assert set(doc["paths"][base]) == {"get", "post", "patch", "delete"}
        assert set(doc["paths"][base + "/{id}"]) == {"get", "patch", "put", "delete"}
        assert set(doc["paths"][base + "/_schema"]) == {"get"}
        assert set(doc["paths"][base + "/_count"]) == {"get"}
        assert set(doc["paths"][base + "/_query"]) == {"post"}
        params = {p["$ref"].rsplit("/", 1)[1] for p in doc["paths"][base]["get"]["parameters"]}
        assert {"filter", "sort", "page", "limit", "offset", "fields", "include", "exclude", "count"} <= params
        insert = {p["$ref"].rsplit("/", 1)[1] for p in doc["paths"][base]["post"]["parameters"]}
        assert {"upsert", "onConflict"} <= insert
        for method in ("patch", "put", "delete"):
            refs = {p["$ref"].rsplit("/", 1)[1] for p in doc["paths"][base + "/{id}"][method]["parameters"]}
            assert "ifMatch" in refs
        by_filter = doc["paths"][base]["delete"]["parameters"][0]["$ref"]
        assert openapi_check._resolve(doc, by_filter)["required"] is True
    for path in ("/api/v2/services", "/api/v2/services/{name}", "/api/v2/{service}/_discover",
                 "/api/v2/{service}/_expose"):
        assert path in doc["paths"]
    documented = {p.split("/")[5] for p in doc["paths"] if p.startswith("/api/v2/demo/_table/")}
    assert documented == DEMO_TABLES


def test_openapi_schemas_follow_the_demo_columns(demo):
    doc = requests.get(url(demo, "/api/v2/openapi.json"), timeout=30).json()
    with sqlite3.connect(demo_db(demo)) as conn:
        for table in DEMO_TABLES:
            columns = conn.execute(f"PRAGMA table_info({table})").fetchall()  # cid, name, type, notnull, dflt, pk
            schema = doc["components"]["schemas"][f"demo.{table}"]
            assert list(schema["properties"]) == [c[1] for c in columns]
            for _, name, declared, notnull, default, pk in columns:
                prop = schema["properties"][name]
                assert prop.get("nullable", False) == (not notnull and not pk), (table, name)
                if not notnull and not pk:
                    assert name not in schema.get("required", []), (table, name)
                elif default is None and not pk:
                    assert name in schema["required"], (table, name)
    users = doc["components"]["schemas"]["demo.users"]["properties"]
    assert users["id"]["type"] == "integer"
    assert users["name"]["type"] == "string" and "format" not in users["name"]
    assert users["created_at"] == {**users["created_at"], "type": "string", "format": "date-time"}
    assert users["is_active"]["type"] == "boolean"
    products = doc["components"]["schemas"]["demo.products"]["properties"]
    assert products["price"]["type"] == "number"
    assert "required" not in doc["components"]["schemas"]["demo.users.patch"]


def test_openapi_follows_exposures_live(keyed):
    """A table exposed after start appears; a table never exposed does not. The keyed nectar
    exposes the demo by default, so a table is created in demo.db to be exposed later."""
    with sqlite3.connect(demo_db(keyed)) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS audit_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
    headers = {"X-API-Key": API_KEY}
    doc = requests.get(url(keyed, "/api/v2/openapi.json"), headers=headers, timeout=30).json()
    openapi_check.validate(doc)
    assert {} not in doc["security"], "with --api-key, anonymous callers are refused"
    # The demo exposes "*": a new table is served as soon as the catalog sees it.
    deadline = time.monotonic() + 90  # the catalog rediscovers within its max age
    while "/api/v2/demo/_table/audit_notes" not in doc["paths"] and time.monotonic() < deadline:
        time.sleep(2)
        doc = requests.get(url(keyed, "/api/v2/openapi.json"), headers=headers, timeout=30).json()
    assert "/api/v2/demo/_table/audit_notes" in doc["paths"]
    note = doc["components"]["schemas"]["demo.audit_notes"]
    assert note["required"] == ["note"]


def test_openapi_needs_credentials_when_configured(keyed):
    r = requests.get(url(keyed, "/api/v2/openapi.json"), timeout=30)
    assert r.status_code == 401
    error_of(r)
    r = requests.get(url(keyed, "/api/v2/openapi.json"), headers={"X-API-Key": "wrong"}, timeout=30)
    assert r.status_code == 401
    error_of(r)
    r = requests.get(url(keyed, "/api/v2/openapi.json"), headers={"X-API-Key": API_KEY}, timeout=30)
    assert r.status_code == 200 and r.json()["openapi"] == "3.0.3"


def test_openapi_wrong_method_is_405(demo):
    r = requests.post(url(demo, "/api/v2/openapi.json"), data=b"{}", timeout=30)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET"
    error_of(r)


# ---------------------------------------------------------------- the /docs files


@pytest.mark.parametrize("path,content_type", [
    ("/docs", "text/html; charset=utf-8"),
    ("/docs/", "text/html; charset=utf-8"),
    ("/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("/docs/nectar-docs.js", "text/javascript; charset=utf-8"),
    ("/docs/swagger-ui.css", "text/css; charset=utf-8"),
    ("/docs/favicon-32x32.png", "image/png"),
    ("/docs/favicon-16x16.png", "image/png"),
])
def test_docs_files_are_open_with_types_and_caching(keyed, path, content_type):
    r = requests.get(url(keyed, path), timeout=30)  # no credentials: the page holds no data
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == content_type
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    etag = r.headers["ETag"]
    if content_type.startswith("text/html"):
        assert r.headers["Cache-Control"] == "no-cache"
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert '<script src="/docs/swagger-ui-bundle.js"' in r.text
    else:
        assert r.headers["Cache-Control"] == "public, max-age=3600"
    if content_type == "image/png":
        assert r.content.startswith(b"\x89PNG\r\n\x1a\n")
    again = requests.get(url(keyed, path), headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304 and again.content == b""


def test_docs_bundle_is_the_pinned_swagger_ui(demo):
    pinned = json.loads((harness.REPO_ROOT / "rest/docs/package.json").read_text())["dependencies"]["swagger-ui-dist"]
    dist = harness.REPO_ROOT / "rest/docs/node_modules/swagger-ui-dist"
    assert json.loads((dist / "package.json").read_text())["version"] == pinned
    served = requests.get(url(demo, "/docs/swagger-ui-bundle.js"), timeout=30).content
    assert served == (dist / "swagger-ui-bundle.js").read_bytes()


@pytest.mark.parametrize("path", ["/docs/nope.js", "/docs/..%2Fcatalog.db", "/docs/swagger-ui-bundle.js.map"])
def test_unknown_docs_file_is_json_404(demo, path):
    r = requests.get(url(demo, path), timeout=30)
    assert r.status_code == 404
    assert "docs" in error_of(r)["message"]


# ---------------------------------------------------------------- Swagger UI in Chromium


class DevTools:
    """A page target driven over the Chrome DevTools Protocol."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0
        self.console_errors = []

    async def call(self, method, **params):
        self.next_id += 1
        call_id = self.next_id
        await self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(await self.socket.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            if message.get("method") == "Runtime.exceptionThrown":
                self.console_errors.append(message["params"]["exceptionDetails"].get("text"))
            if message.get("method") == "Log.entryAdded" and message["params"]["entry"]["level"] == "error":
                self.console_errors.append(message["params"]["entry"]["text"])

    async def evaluate(self, expression):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.25)
        html = await self.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")
        raise AssertionError(f"timed out waiting for {what}; page text:\n{html}\nerrors: {self.console_errors}")


# The GET operation block of a path, found by the path Swagger UI shows (it inserts zero-width
# spaces after slashes so that long paths wrap).
OPBLOCK = """(() => [...document.querySelectorAll('.opblock.opblock-get')].find(b => {
    const p = b.querySelector('.opblock-summary-path');
    return p && p.textContent.replace(/\\u200b/g, '') === %s;
}))()"""


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium with its DevTools port; its profile in a temp dir."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM} (tools/setup installs it)")
    profile = tempfile.mkdtemp(prefix="nectar-docs-chromium-", dir="/tmp")
    proc = subprocess.Popen([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0",
                             f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = pathlib.Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert proc.poll() is None, f"chromium exited with {proc.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def page_socket_url(devtools_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=10) as r:
        targets = json.load(r)
    return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")


async def wait_for_demo_tables(page):
    for table in sorted(DEMO_TABLES):
        path = json.dumps(f"/api/v2/demo/_table/{table}")
        await page.wait_for(f"!!{OPBLOCK % path}", f"Swagger UI to show GET /api/v2/demo/_table/{table}")


async def execute_list_users(page):
    """Expands GET /api/v2/demo/_table/users, clicks "Try it out" then "Execute"; returns the
    status and body the page shows, and the request URL it sent."""
    users = OPBLOCK % json.dumps("/api/v2/demo/_table/users")
    await page.evaluate(f"{users}.querySelector('button.opblock-summary-control').click()")
    await page.wait_for(f"!!{users}.querySelector('.try-out__btn')", "the Try it out button")
    await page.evaluate(f"{users}.querySelector('.try-out__btn').click()")
    await page.wait_for(f"!!{users}.querySelector('button.execute')", "the Execute button")
    await page.evaluate(f"{users}.querySelector('button.execute').click()")
    live = f"{users}.querySelector('.live-responses-table .response')"
    await page.wait_for(f"!!{live}", "the live response")
    status = await page.evaluate(f"{live}.querySelector('.response-col_status').textContent.trim()")
    body = await page.wait_for(f"(() => {{ const c = {live}.querySelector('.response-col_description pre, "
                               f".response-col_description code'); return c && c.textContent; }})()",
                               "the response body")
    request_url = await page.evaluate(f"(() => {{ const u = {users}.querySelector('.request-url pre'); "
                                      f"return u && u.textContent; }})()")
    return status, body, request_url


async def drive(devtools_port, docs_url, steps):
    """Opens docs_url in the browser's page and runs `steps(page)`; returns what it returns and
    the errors the page logged."""
    async with websockets.connect(page_socket_url(devtools_port), max_size=64 * 1024 * 1024) as socket:
        page = DevTools(socket)
        await page.call("Runtime.enable")
        await page.call("Log.enable")
        await page.call("Page.enable")
        await page.call("Page.navigate", url=docs_url)
        result = await steps(page)
        return result, page.console_errors


def run_in_browser(devtools_port, docs_url, steps):
    return asyncio.run(asyncio.wait_for(drive(devtools_port, docs_url, steps), timeout=240))


def assert_first_users_page(proc, status, body):
    assert status == "200", body
    shown = json.loads(body)
    with sqlite3.connect(demo_db(proc)) as conn:
        expected = conn.execute("SELECT id, name, email FROM users ORDER BY id LIMIT 50").fetchall()
    assert expected, "the demo holds users"
    assert [(u["id"], u["name"], u["email"]) for u in shown["data"]] == expected
    assert shown["meta"]["count"] == len(expected)


def test_swagger_ui_lists_the_tables_and_executes_a_request(demo, chromium):
    async def steps(page):
        await wait_for_demo_tables(page)
        return await execute_list_users(page)

    (status, body, request_url), errors = run_in_browser(chromium, url(demo, "/docs"), steps)
    assert_first_users_page(demo, status, body)
    assert request_url.startswith(url(demo, "/api/v2/demo/_table/users"))
    assert not [e for e in errors if "Content Security Policy" in (e or "")], errors


def test_swagger_ui_asks_for_a_key_and_authorizes_with_it(keyed, chromium):
    """With --api-key, the page asks for credentials before it can read the document, refuses a
    wrong key, and with the right one "Try it out" sends it (Swagger UI's Authorize is filled)."""
    form = "document.getElementById('nectar-credentials')"
    submit = (f"(key => {{ document.getElementById('nectar-api-key').value = key; "
              f"{form}.requestSubmit(); return true; }})")

    async def steps(page):
        await page.wait_for(f"{form} && !{form}.hidden", "the credentials form")
        await page.evaluate(f"{submit}('not-the-key')")
        refused = await page.wait_for("document.getElementById('nectar-credentials-error').textContent",
                                      "the refusal")
        await page.evaluate(f"{submit}({json.dumps(API_KEY)})")
        await page.wait_for(f"{form}.hidden", "the form to go away")
        await wait_for_demo_tables(page)
        locked = await page.wait_for("!!document.querySelector('.auth-wrapper .authorize.locked')",
                                     "the Authorize button to show the key is set")
        return refused, locked, await execute_list_users(page)

    (refused, locked, (status, body, _)), errors = run_in_browser(chromium, url(keyed, "/docs"), steps)
    assert "refused" in refused and "401" in refused
    assert locked
    assert_first_users_page(keyed, status, body)
