"""A small Server-Sent Events client for rift-backend's GET /sse/runs/{id} (docs/backend.md, "Live
updates"): a raw socket, HTTP/1.1 chunked decoding and the event-stream format by hand, so a test sees
exactly what the server sent (every event, comment and the end of the stream) and can also stop reading."""
import json
import socket
import time
import urllib.parse


class Event:
    def __init__(self, event, id_, data, comments):
        self.event, self.id, self.raw, self.comments = event, id_, data, comments

    @property
    def data(self):
        return json.loads(self.raw) if self.raw else None

    def __repr__(self):
        return f"Event({self.event!r}, id={self.id!r}, data={self.raw!r}, comments={self.comments!r})"


class SSE:
    """GET path on base_url with a bearer token; .status, .headers, .body (non-200), next()/collect()."""

    def __init__(self, base_url, path, token=None, headers=None, timeout=10.0, rcvbuf=None):
        u = urllib.parse.urlsplit(base_url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((u.hostname, u.port))
        h = {"Host": f"{u.hostname}:{u.port}", "Accept": "text/event-stream"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        req = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
        self.sock.sendall(req.encode())
        self.raw = b""       # bytes received and not yet decoded
        self.text = b""      # decoded body not yet parsed into events
        self.eof = False     # the server closed the connection
        self.ended = False   # the terminating chunk arrived
        self.status, self.headers, self.body = None, {}, None
        self._read_head(timeout)

    def _recv(self, timeout):
        self.sock.settimeout(max(timeout, 0.01))
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
            return False
        self.raw += d
        return True

    def _read_head(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.raw:
            if not self._recv(deadline - time.monotonic()) and (self.eof or time.monotonic() > deadline):
                raise TimeoutError("no response head")
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
        if self.status != 200:
            n = int(self.headers.get("content-length", "0"))
            while len(self.raw) < n and self._recv(deadline - time.monotonic()):
                pass
            self.body = json.loads(self.raw[:n]) if n else None

    def _decode(self):
        """Moves complete chunks from raw to text."""
        while not self.ended:
            if b"\r\n" not in self.raw:
                return
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return
            if size == 0:
                self.ended = True
                return
            self.text += rest[:size]
            self.raw = rest[size + 2:]

    def next(self, timeout=5.0):
        """The next event (or comment-only block); None when the stream ended or timeout passed."""
        deadline = time.monotonic() + timeout
        while True:
            self._decode()
            if b"\n\n" in self.text:
                block, self.text = self.text.split(b"\n\n", 1)
                event, id_, data, comments = None, None, [], []
                for line in block.decode().split("\n"):
                    if line.startswith(":"):
                        comments.append(line[1:].strip())
                    elif line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("id: "):
                        id_ = int(line[4:])
                    elif line.startswith("data: "):
                        data.append(line[6:])
                return Event(event, id_, "\n".join(data), comments)
            if self.ended or self.eof or time.monotonic() > deadline:
                return None
            self._recv(min(0.2, deadline - time.monotonic()))

    def collect(self, until, timeout=10.0, skip_pings=True):
        """Events up to and including the first for which until(event) is true."""
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            e = self.next(deadline - time.monotonic())
            if e is None:
                break
            if skip_pings and e.event is None:
                continue
            out.append(e)
            if until(e):
                return out
        raise AssertionError(f"condition not met within {timeout}s; got {out}")

    def closed_by_server(self, timeout=5.0):
        """True once the server ended the stream (terminating chunk) or closed the connection."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (self.ended or self.eof):
            self._recv(0.2)
            self._decode()
        return self.ended or self.eof

    def close(self):
        self.sock.close()


def run_stream(backend, team_token, project, run_id, **kw):
    return SSE(backend.url, f"/sse/runs/{run_id}?projectID={project}", token=team_token, **kw)
