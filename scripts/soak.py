"""Adversarial soak of uvreactor-server --protocol chat.

Well-behaved members chat in room `soak` while attackers run beside them for
a bounded time: flooders, members that never read, slowloris senders,
connect-and-reset storms, garbage and over-long lines, bursts of joins to the
lobby. Fails (exit 1) if any well-behaved member misses a line, sees one out
of order or waits too long for it, if the server's memory passes a bound, if
the server does not exit 0 on SIGTERM, or if its stderr holds a sanitizer
report. Loopback only; every loop is bounded in count and time.

Usage: soak.py SERVER_BINARY SECONDS MAX_RSS_MB
"""
import asyncio
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

SERVER, SECONDS, MAX_RSS_MB = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
GOOD = 6
MAX_LATENCY_S = float(os.environ.get("SOAK_MAX_LATENCY", "3"))
worst = [0.0]  # the longest a well-behaved line took
failures = []
counts = {"good_lines": 0, "flood_lines": 0, "resets": 0, "garbage": 0, "joins": 0,
          "non_readers": 0, "slowloris": 0}


def fail(message):
    if len(failures) < 20:
        failures.append(message)


async def connect(port):
    return await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, limit=1 << 20), 10)


async def raw_connect(port, receive_buffer=0):
    """A non-blocking socket connected without ever blocking the event loop
    (a blocking connect into a full accept queue would stall every client
    here for the kernel's SYN retry, and look like a server stall)."""
    s = socket.socket()
    s.setblocking(False)
    if receive_buffer:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(s, ("127.0.0.1", port)), 5)
    except (OSError, asyncio.TimeoutError):
        s.close()
        return None
    return s


async def good_member(port, index, start, stop_at, joined, everyone_in):
    reader, writer = await connect(port)
    await reader.readline()  # welcome
    writer.write(f"/nick good{index}\n/join soak\n".encode())
    await writer.drain()
    while not (await reader.readline()).startswith(b"* you joined soak"):
        pass
    joined.append(index)
    if len(joined) == GOOD:
        everyone_in.set()
    await everyone_in.wait()  # nobody speaks before every member is in the room
    last = {}  # sender -> last sequence number seen
    seq = 0

    async def send():
        nonlocal seq
        while time.monotonic() < stop_at:
            seq += 1
            writer.write(f"seq {seq} at {time.monotonic():.6f}\n".encode())
            await writer.drain()
            await asyncio.sleep(0.05)

    async def receive():
        while True:
            line = await reader.readline()
            if not line:
                if time.monotonic() < stop_at:
                    fail(f"good{index}: disconnected at {time.monotonic() - start:.1f} s")
                return
            m = re.match(rb"(good\d+): seq (\d+) at ([\d.]+)", line)
            if not m:
                continue
            sender, n, sent = m.group(1), int(m.group(2)), float(m.group(3))
            if n != last.get(sender, 0) + 1:
                fail(f"good{index}: from {sender.decode()} got {n} after {last.get(sender, 0)}")
            last[sender] = n
            counts["good_lines"] += 1
            delay = time.monotonic() - sent
            worst[0] = max(worst[0], delay)
            if delay > MAX_LATENCY_S:
                fail(f"good{index}: line from {sender.decode()} took {delay:.2f} s")

    receiver = asyncio.create_task(receive())
    await send()
    await asyncio.sleep(1.0)  # let the last lines arrive
    writer.write(b"/quit\n")
    await writer.drain()
    await asyncio.wait_for(receiver, 10)
    writer.close()
    return seq


async def flooder(port, stop_at):
    reader, writer = await connect(port)
    writer.write(b"/join attack\n")
    # Tiny lines: a cap that counted payload bytes and not its bookkeeping
    # let a non-reader hold many times the cap in records.
    line = b"x\n"
    drain = asyncio.create_task(reader.read(-1))
    while time.monotonic() < stop_at and not writer.is_closing():
        writer.write(line * 2000)
        counts["flood_lines"] += 2000
        try:
            await asyncio.wait_for(writer.drain(), 1)
        except (asyncio.TimeoutError, ConnectionError):
            break
    writer.close()
    drain.cancel()


async def non_reader(port, stop_at):
    # Joins the attack room and never reads: the server must cut it off at
    # --max-queued, not buffer the flood for it.
    while time.monotonic() < stop_at:
        s = await raw_connect(port, receive_buffer=4096)
        if s is None:
            continue
        try:
            s.send(b"/join attack\n")
        except OSError:
            pass
        counts["non_readers"] += 1
        await asyncio.sleep(2)
        s.close()


async def slowloris(port, stop_at):
    reader, writer = await connect(port)
    counts["slowloris"] += 1
    while time.monotonic() < stop_at and not reader.at_eof():
        try:
            writer.write(b"a")  # never a newline: the line limit must hold
            await writer.drain()
        except ConnectionError:
            break
        await asyncio.sleep(0.01)
    writer.close()


async def reset_storm(port, stop_at):
    while time.monotonic() < stop_at:
        for _ in range(20):
            s = await raw_connect(port)
            if s is None:
                continue
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            try:
                s.send(b"/join soak\nhalf a line")
            except OSError:
                pass
            s.close()  # linger 0: a reset
            counts["resets"] += 1
        await asyncio.sleep(0.1)


async def garbage(port, stop_at):
    rng = random.Random(1)
    while time.monotonic() < stop_at:
        try:
            reader, writer = await connect(port)
            junk = bytes(rng.getrandbits(8) for _ in range(rng.choice([10, 500, 6000])))
            writer.write(junk + b"\n" + b"\x1b[2J\x00\xff" * 100 + b"\n")
            await writer.drain()
            await asyncio.wait_for(reader.read(65536), 0.5)
            writer.close()
            counts["garbage"] += 1
        except (asyncio.TimeoutError, ConnectionError):
            pass
        await asyncio.sleep(0.05)


async def join_burst(port, stop_at):
    while time.monotonic() < stop_at:
        socks = []
        for _ in range(150):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                continue
            socks.append(s)
        counts["joins"] += len(socks)
        await asyncio.sleep(1.0)
        for s in socks:
            s.close()
        await asyncio.sleep(1.0)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


async def watch_memory(pid, stop_at, peak):
    while time.monotonic() < stop_at + 2:
        kib = rss_kib(pid)
        peak[0] = max(peak[0], kib)
        if kib > MAX_RSS_MB * 1024:
            fail(f"server RSS {kib // 1024} MiB over the {MAX_RSS_MB} MiB bound")
            return
        await asyncio.sleep(0.25)


async def main():
    err = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [SERVER, "--protocol", "chat", "--listen", "127.0.0.1:0", "--max-connections", "400",
         "--max-queued", "262144", "--high-water", "65536", "--low-water", "16384",
         "--idle-timeout", "20", "--max-line", "1024", "--log-level", "warn"],
        stdout=subprocess.PIPE, stderr=err)
    first = server.stdout.readline().decode()
    m = re.match(r"listening tcp 127\.0\.0\.1:(\d+)", first)
    if not m:
        print(f"soak: server did not start: {first!r}")
        return 1
    port = int(m.group(1))
    start = time.monotonic()
    stop_at = start + SECONDS
    peak = [0]
    joined, everyone_in = [], asyncio.Event()
    good = [asyncio.create_task(good_member(port, i, start, stop_at, joined, everyone_in))
            for i in range(GOOD)]
    await asyncio.wait_for(everyone_in.wait(), 10)  # members hold their slots first
    attackers = [flooder(port, stop_at) for _ in range(3)]
    attackers += [non_reader(port, stop_at) for _ in range(10)]
    attackers += [slowloris(port, stop_at) for _ in range(20)]
    attackers += [reset_storm(port, stop_at), garbage(port, stop_at), join_burst(port, stop_at)]
    attackers.append(watch_memory(server.pid, stop_at, peak))
    results = await asyncio.gather(*good, *attackers, return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            fail(f"client error: {type(r).__name__}: {r}")
    sent = sum(r for r in results[:GOOD] if isinstance(r, int))
    expected = sent * (GOOD - 1)
    if counts["good_lines"] != expected:
        fail(f"well-behaved members received {counts['good_lines']} lines, expected {expected}")
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        code = -1
    err.seek(0)
    stderr = err.read().decode(errors="replace")
    if code != 0:
        fail(f"server exit status {code} after SIGTERM")
    if re.search(r"Sanitizer|runtime error:", stderr):
        fail("sanitizer report:\n" + stderr[-3000:])
    summary = " ".join(f"{k}={v}" for k, v in counts.items())
    print(f"soak: seconds={SECONDS:g} {summary} peak_rss_mib={peak[0] // 1024} "
          f"worst_latency_s={worst[0]:.3f} failures={len(failures)}")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


sys.exit(asyncio.run(main()))
