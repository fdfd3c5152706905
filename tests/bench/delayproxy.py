#!/usr/bin/env python3
"""A TCP delay proxy on loopback, for counting round trips (tests/bench).

    delayproxy.py --listen-port 0 --target 127.0.0.1:10587 --delay-ms 50 \
                  --ready-file F --log F --lifetime 600

Every connection accepted on 127.0.0.1:PORT is forwarded to the target, and
every segment is delayed by D/2 in each direction (D = --delay-ms), in
order. A userspace proxy cannot delay the kernel's TCP handshake (connect()
returns at once), so the handshake is emulated: the proxy connects to the
target only D*1.5 after accept (SYN, SYN-ACK, ACK each took D/2), and what
the client sends meanwhile leaves no earlier than D + D/2 after accept (the
client could have sent it only when its connect returned, one D later).
With that, a client waiting for each reply sees exactly one D per round
trip, the TCP handshake included.

The log gets one line per segment: time since accept (ms), connection
number, direction (C = client to server, S = server to client), length,
and, for printable data, the first bytes. Stops by itself after --lifetime
seconds. Standard library only.
"""
import argparse
import asyncio
import os
import sys
import time


def printable(data):
    head = data[:72]
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return head.decode("ascii").replace("\r", "\\r").replace("\n", "\\n")
    return "<binary>"


class Proxy:
    def __init__(self, args):
        self.args = args
        self.half = args.delay_ms / 2000.0
        self.conn_no = 0
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def note(self, line):
        if self.log:
            self.log.write(line + "\n")

    async def pump(self, reader, writer, direction, no, t0, not_before):
        """Copies reader to writer, each chunk due D/2 after it arrived."""
        queue = asyncio.Queue()

        async def read_side():
            while True:
                try:
                    data = await reader.read(65536)
                except (ConnectionError, OSError):
                    data = b""
                now = time.monotonic()
                await queue.put((max(now, not_before) + self.half, data))
                if self.log:
                    self.note("%9.1f %d %s %5d %s" % ((now - t0) * 1000, no, direction,
                                                     len(data), printable(data) if data else "<eof>"))
                if not data:
                    return

        async def write_side():
            while True:
                due, data = await queue.get()
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if not data:
                    try:
                        if writer.can_write_eof():
                            writer.write_eof()
                    except (ConnectionError, OSError, RuntimeError):
                        pass
                    return
                try:
                    writer.write(data)
                    await writer.drain()
                except (ConnectionError, OSError):
                    return

        await asyncio.gather(read_side(), write_side())

    async def handle(self, creader, cwriter):
        self.conn_no += 1
        no = self.conn_no
        t0 = time.monotonic()
        self.note("%9.1f %d * accept" % (0.0, no))
        sock = cwriter.get_extra_info("socket")
        if sock is not None:
            import socket
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        hs = 2 * self.half if self.args.handshake else 0.0
        # the client's first bytes leave (emulated) when its connect returned
        queue_start = t0 + hs
        if hs:
            await asyncio.sleep(hs + self.half)
        host, port = self.args.target.rsplit(":", 1)
        try:
            sreader, swriter = await asyncio.open_connection(host, int(port))
        except OSError as e:
            self.note("%9.1f %d * upstream connect failed: %s" % ((time.monotonic() - t0) * 1000, no, e))
            cwriter.close()
            return
        ssock = swriter.get_extra_info("socket")
        if ssock is not None:
            import socket
            ssock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await asyncio.gather(
                self.pump(creader, swriter, "C", no, t0, queue_start),
                self.pump(sreader, cwriter, "S", no, t0, 0.0))
        finally:
            for w in (swriter, cwriter):
                try:
                    w.close()
                except Exception:
                    pass
            self.note("%9.1f %d * closed" % ((time.monotonic() - t0) * 1000, no))

    async def main(self):
        server = await asyncio.start_server(self.handle, "127.0.0.1", self.args.listen_port)
        port = server.sockets[0].getsockname()[1]
        self.note("# delayproxy pid %d 127.0.0.1:%d -> %s delay %g ms handshake %s lifetime %d s" % (
            os.getpid(), port, self.args.target, self.args.delay_ms,
            "emulated" if self.args.handshake else "not delayed", self.args.lifetime))
        if self.args.ready_file:
            tmp = self.args.ready_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.rename(tmp, self.args.ready_file)
        try:
            await asyncio.wait_for(asyncio.Event().wait(), self.args.lifetime)
        except asyncio.TimeoutError:
            self.note("# lifetime over, exiting")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen-port", type=int, default=0)
    ap.add_argument("--target", required=True, help="HOST:PORT")
    ap.add_argument("--delay-ms", type=float, default=50.0, help="D, the round-trip time added")
    ap.add_argument("--no-handshake", dest="handshake", action="store_false",
                    help="do not emulate the TCP handshake's round trip")
    ap.add_argument("--ready-file")
    ap.add_argument("--log")
    ap.add_argument("--lifetime", type=int, default=900)
    args = ap.parse_args()
    try:
        asyncio.run(Proxy(args).main())
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
