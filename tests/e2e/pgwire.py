"""A tiny raw PostgreSQL v3 wire client for tests: builds frontend messages, reads backend
messages, does trust/SCRAM-SHA-256(-PLUS)/cleartext authentication. Every socket operation has
a timeout, so a server that stops answering fails the test instead of hanging it."""

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct

PROTOCOL_3_0 = 196608
SSL_REQUEST_CODE = 80877103
GSSENC_REQUEST_CODE = 80877104
CANCEL_REQUEST_CODE = 80877102

AUTH_OK = 0
AUTH_CLEARTEXT = 3
AUTH_MD5 = 5
AUTH_SASL = 10
AUTH_SASL_CONTINUE = 11
AUTH_SASL_FINAL = 12


class Closed(Exception):
    """The server closed the connection."""


class ServerError(Exception):
    def __init__(self, fields):
        super().__init__(f"{fields.get('C')}: {fields.get('M')}")
        self.fields = fields
        self.sqlstate = fields.get("C")


# ---- frontend message builders -------------------------------------------------------------

def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\0"


def message(kind, payload=b""):
    return kind + struct.pack("!I", len(payload) + 4) + payload


def startup_packet(params, version=PROTOCOL_3_0):
    body = struct.pack("!I", version) + b"".join(cstr(k) + cstr(v) for k, v in params.items()) + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def ssl_request():
    return struct.pack("!II", 8, SSL_REQUEST_CODE)


def gssenc_request():
    return struct.pack("!II", 8, GSSENC_REQUEST_CODE)


def cancel_request(pid, key):
    return struct.pack("!IIII", 16, CANCEL_REQUEST_CODE, pid, key)


def query(sql):
    return message(b"Q", cstr(sql))


def parse(name, sql, param_oids=()):
    return message(b"P", cstr(name) + cstr(sql) + struct.pack("!H", len(param_oids)) +
                   b"".join(struct.pack("!I", o) for o in param_oids))


def bind(portal, statement, params=(), param_formats=(), result_formats=()):
    out = cstr(portal) + cstr(statement) + struct.pack("!H", len(param_formats))
    out += b"".join(struct.pack("!H", f) for f in param_formats)
    out += struct.pack("!H", len(params))
    for p in params:
        if p is None:
            out += struct.pack("!i", -1)
        else:
            p = p.encode() if isinstance(p, str) else p
            out += struct.pack("!i", len(p)) + p
    out += struct.pack("!H", len(result_formats)) + b"".join(struct.pack("!H", f) for f in result_formats)
    return message(b"B", out)


def describe(kind, name):
    return message(b"D", kind.encode() + cstr(name))


def execute(portal, max_rows=0):
    return message(b"E", cstr(portal) + struct.pack("!I", max_rows))


def close(kind, name):
    return message(b"C", kind.encode() + cstr(name))


def sync():
    return message(b"S")


def flush():
    return message(b"H")


def terminate():
    return message(b"X")


# ---- backend message decoding --------------------------------------------------------------

def error_fields(payload):
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode(errors="replace")
    return fields


def _cstrings(payload):
    return [p.decode(errors="replace") for p in payload.split(b"\0")[:-1]]


def decode(kind, payload):
    """A comparable form of one backend message."""
    if kind == "E" or kind == "N":
        f = error_fields(payload)
        # Source file/line/routine of the server's C code are not part of the answer.
        return (kind, tuple(sorted((k, v) for k, v in f.items() if k not in "FLR")))
    if kind == "T":
        (n,) = struct.unpack_from("!H", payload)
        pos, cols = 2, []
        for _ in range(n):
            end = payload.index(b"\0", pos)
            name = payload[pos:end].decode()
            cols.append((name,) + struct.unpack_from("!IhIhih", payload, end + 1))
            pos = end + 1 + 18
        return ("T", tuple(cols))
    if kind == "D":
        (n,) = struct.unpack_from("!H", payload)
        pos, vals = 2, []
        for _ in range(n):
            (ln,) = struct.unpack_from("!i", payload, pos)
            pos += 4
            if ln < 0:
                vals.append(None)
            else:
                vals.append(payload[pos:pos + ln])
                pos += ln
        return ("D", tuple(vals))
    if kind == "C":
        return ("C", payload[:-1].decode())
    if kind == "Z":
        return ("Z", payload.decode())
    if kind == "t":
        (n,) = struct.unpack_from("!H", payload)
        return ("t", struct.unpack_from(f"!{n}I", payload, 2))
    if kind == "K":
        return ("K",)  # process id and secret key differ by design
    if kind == "S":
        name, value = _cstrings(payload)
        return ("S", name, value)
    if kind == "A":
        channel, extra = _cstrings(payload[4:])  # the sender's pid is left out
        return ("A", channel, extra)
    if kind == "R":
        (code,) = struct.unpack_from("!I", payload)
        return ("R", code, payload[4:])
    return (kind, payload)


def split_messages(data):
    """Backend messages in a byte string (a trailing partial message is dropped)."""
    out, pos = [], 0
    while pos + 5 <= len(data):
        (length,) = struct.unpack_from("!I", data, pos + 1)
        if pos + 1 + length > len(data):
            break
        out.append((chr(data[pos]), data[pos + 5:pos + 1 + length]))
        pos += 1 + length
    return out


def comparable(messages):
    """Decoded messages without ParameterStatus (whose set may differ) for comparisons."""
    return [decode(k, p) for k, p in messages if k != "S"]


# ---- connection -----------------------------------------------------------------------------

class Conn:
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.backend_pid = None
        self.backend_key = None
        self.parameters = {}
        self.binding_data_override = None  # tests: SCRAM-PLUS with deliberately wrong binding data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed()
        self.buf += chunk

    def recv_byte(self):
        """One raw byte (the answer to SSLRequest/GSSENCRequest)."""
        while not self.buf:
            self._fill()
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def recv(self):
        """(type char, payload) of the next backend message; raises Closed at EOF."""
        while len(self.buf) < 5:
            self._fill()
        kind = chr(self.buf[0])
        (length,) = struct.unpack_from("!I", self.buf, 1)
        if length < 4 or length > 1 << 30:
            raise AssertionError(f"bad backend message length {length} for {kind!r}")
        while len(self.buf) < 1 + length:
            self._fill()
        payload = self.buf[5:1 + length]
        self.buf = self.buf[1 + length:]
        return kind, payload

    def read_until_ready(self, limit=100000):
        """Messages up to and including ReadyForQuery."""
        out = []
        for _ in range(limit):
            k, p = self.recv()
            out.append((k, p))
            if k == "Z":
                return out
        raise AssertionError("no ReadyForQuery")

    def read_n(self, n):
        return [self.recv() for _ in range(n)]

    def read_until_error_or_close(self):
        """Bytes the server sends until it closes or has sent a whole ErrorResponse (raises on
        a timeout)."""
        data = self.buf
        self.buf = b""
        while not any(k == "E" for k, _ in split_messages(data)):
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                break
            if not chunk:
                break
            data += chunk
        return data

    def read_until_close(self, max_bytes=1 << 20):
        """Everything the server sends until it closes (or a timeout, which raises)."""
        data = self.buf
        self.buf = b""
        while len(data) < max_bytes:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):  # reset, or TLS closed without close_notify
                break
            if not chunk:
                break
            data += chunk
        return data

    def start_tls(self, cafile=None, server_hostname=None):
        """SSLRequest; on 'S', wraps the socket in TLS. Returns the answer byte."""
        assert not self.buf
        self.send(ssl_request())
        answer = self.recv_byte()
        if answer == b"S":
            self.tls_handshake(cafile, server_hostname)
        return answer

    def tls_handshake(self, cafile=None, server_hostname=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if cafile:
            ctx.load_verify_locations(cafile)
            ctx.check_hostname = server_hostname is not None
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)

    def startup(self, user, database, password=None, params=None, channel_binding=False):
        """Startup and authentication; returns the messages after AuthenticationOk up to
        ReadyForQuery. Raises ServerError on an ErrorResponse."""
        p = {"user": user, "database": database}
        p.update(params or {})
        self.send(startup_packet(p))
        while True:
            k, payload = self.recv()
            if k == "E":
                raise ServerError(error_fields(payload))
            if k != "R":
                raise AssertionError(f"unexpected {k!r} during authentication")
            (code,) = struct.unpack_from("!I", payload)
            if code == AUTH_OK:
                break
            if code == AUTH_CLEARTEXT:
                self.send(message(b"p", cstr(password)))
            elif code == AUTH_SASL:
                self._scram(sasl_mechanisms(payload), password, channel_binding)
            else:
                raise AssertionError(f"unsupported authentication request {code}")
        rest = self.read_until_ready()
        for k, payload in rest:
            if k == "E":
                raise ServerError(error_fields(payload))
            if k == "K":
                self.backend_pid, self.backend_key = struct.unpack("!II", payload)
            if k == "S":
                name, value = _cstrings(payload)
                self.parameters[name] = value
        return rest

    def _scram(self, mechanisms, password, channel_binding):
        if channel_binding:
            assert "SCRAM-SHA-256-PLUS" in mechanisms, mechanisms
            mechanism = "SCRAM-SHA-256-PLUS"
            gs2 = "p=tls-server-end-point,,"
            cert = self.sock.getpeercert(binary_form=True)
            cb_data = self.binding_data_override or hashlib.sha256(cert).digest()
        else:
            assert "SCRAM-SHA-256" in mechanisms, mechanisms
            mechanism = "SCRAM-SHA-256"
            gs2 = "n,,"
            cb_data = b""
        nonce = base64.b64encode(os.urandom(18)).decode()
        client_first_bare = f"n=,r={nonce}"
        first = (gs2 + client_first_bare).encode()
        self.send(message(b"p", cstr(mechanism) + struct.pack("!i", len(first)) + first))
        server_first = self._sasl_data(AUTH_SASL_CONTINUE).decode()
        attrs = dict(item.split("=", 1) for item in server_first.split(","))
        assert attrs["r"].startswith(nonce), "server nonce does not extend ours"
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]),
                                     int(attrs["i"]))
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        cbind = base64.b64encode(gs2.encode() + cb_data).decode()
        final_without_proof = f"c={cbind},r={attrs['r']}"
        auth_message = f"{client_first_bare},{server_first},{final_without_proof}".encode()
        signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        final = f"{final_without_proof},p={base64.b64encode(proof).decode()}".encode()
        self.send(message(b"p", final))
        server_final = self._sasl_data(AUTH_SASL_FINAL).decode()
        server_key = hmac.digest(salted, b"Server Key", "sha256")
        expected = base64.b64encode(hmac.digest(server_key, auth_message, "sha256")).decode()
        assert server_final == f"v={expected}", "server signature does not verify"

    def _sasl_data(self, want_code):
        k, payload = self.recv()
        if k == "E":
            raise ServerError(error_fields(payload))
        assert k == "R", k
        (code,) = struct.unpack_from("!I", payload)
        assert code == want_code, f"authentication code {code}, want {want_code}"
        return payload[4:]

    def simple(self, sql):
        """Simple query; messages up to ReadyForQuery."""
        self.send(query(sql))
        return self.read_until_ready()


def connect(endpoint, timeout=10.0, tls=False, **kw):
    """A started raw connection to an harness.Endpoint."""
    c = Conn(endpoint.host, endpoint.port, timeout=timeout)
    try:
        if tls:
            assert c.start_tls() == b"S"
        c.startup(endpoint.user, endpoint.dbname, endpoint.password, **kw)
    except BaseException:
        c.close()
        raise
    return c


def plaintext_after_sslrequest(host, port, user, database, timeout=10.0):
    """Sends an SSLRequest and, in the same packet, a plaintext startup (the injection of
    CVE-2021-23214). Returns (answer byte, what followed): after 'N' the first message of the
    plaintext session; after 'S' either "handshake refused" or every byte the server sent over
    TLS until it closed; after 'E' (refused at once) the whole ErrorResponse and anything until
    the close; (b"", "closed") if the server closed without answering. Raises on a timeout,
    so a server that hangs fails the caller."""
    with Conn(host, port, timeout=timeout) as c:
        c.send(ssl_request() + startup_packet({"user": user, "database": database}))
        try:
            answer = c.recv_byte()
        except (Closed, ConnectionResetError):
            return b"", "closed"
        if answer == b"N":
            return answer, c.recv()
        if answer == b"E":
            return answer, b"E" + c.read_until_close()
        assert answer == b"S", answer
        if c.buf:
            return answer, "bytes before the handshake: " + repr(c.buf[:40])
        try:
            c.tls_handshake()
        except (ssl.SSLError, ConnectionError):
            return answer, "handshake refused"
        return answer, c.read_until_close()


def sasl_mechanisms(payload):
    """Mechanism names from an AuthenticationSASL payload (after the int32 code)."""
    return [m for m in _cstrings(payload[4:]) if m]
