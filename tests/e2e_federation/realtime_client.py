"""A small asyncio WebSocket client for Nectar's realtime endpoint (SPEC §6), for the tests and
the latency script: frames as dicts, waits with timeouts, pongs and keep-alives skipped."""

import asyncio
import json

import websockets
import websockets.client


class Realtime:
    def __init__(self, ws):
        self.ws = ws

    @classmethod
    async def connect(cls, http_port, api_key=None, path="/api/v2/realtime", **kw):
        headers = {"X-API-Key": api_key} if api_key else {}
        ws = await websockets.client.connect(f"ws://127.0.0.1:{http_port}{path}", extra_headers=headers,
                                             open_timeout=10, **kw)
        return cls(ws)

    async def send(self, frame):
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout=10):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def expect(self, frame_type, timeout=10):
        """The next frame, which must be of `frame_type`."""
        frame = await self.recv(timeout)
        assert frame["type"] == frame_type, frame
        return frame

    async def subscribe(self, **members):
        await self.send({"type": "subscribe", **members})
        return await self.expect("subscribed")

    async def changes(self, count, timeout=15, skip=("snapshot", "error")):
        """The next `count` change frames (skipping snapshot and transient error frames)."""
        got = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(got) < count:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"got {len(got)} of {count} changes: {got}")
            frame = await self.recv(left)
            if frame["type"] == "change":
                got.append(frame)
            else:
                assert frame["type"] in skip, frame
        return got

    async def quiet(self, seconds=0.5):
        """Frames that arrive within `seconds` (expecting none, usually)."""
        got = []
        try:
            while True:
                got.append(await self.recv(seconds))
        except asyncio.TimeoutError:
            return got

    async def close(self):
        await self.ws.close()
