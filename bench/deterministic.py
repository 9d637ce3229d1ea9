"""Deterministic cost per echoed message: syscalls (strace -c -f) and
user-space instructions (valgrind --tool=callgrind), for uvreactor beside raw
libuv and raw epoll on the same fixed workloads.

Timings move with the machine's noise; these counts do not, so a regression
shows here even when the timed benchmark cannot see it. Each server is run
twice per tool and workload, with N1 and N2 messages, and the figure is the
difference divided by N2 - N1: start-up, the readiness probe and shutdown
cancel out, leaving the steady cost of one message.

Usage: deterministic.py BIN_DIR UVREACTOR_SERVER [PORT]
Prints a Markdown section on stdout.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN, OURS = sys.argv[1], sys.argv[2]
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 9107
N1, N2 = 2000, 12000
SERVERS = {
    "uvreactor": [OURS, "--listen", f"127.0.0.1:{PORT}", "--log-level", "error"],
    "libuv": [f"{BIN}/uv_echo", str(PORT)],
    "epoll": [f"{BIN}/epoll_echo", str(PORT)],
}


def wait_ready(deadline=60.0):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {PORT} did not start")


def tcp_pingpong(size):
    def run(n):
        message = b"x" * size
        with socket.create_connection(("127.0.0.1", PORT)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(n):
                s.sendall(message)
                got = 0
                while got < size:
                    chunk = s.recv(size - got)
                    if not chunk:
                        raise RuntimeError("server closed the connection")
                    got += len(chunk)
    return run


# One message in flight at a time, so each costs the server the same work
# every time. UDP is left out on purpose: whether the server's next recvmsg
# finds the client's next datagram already there depends on timing, which
# moved its figure by 10% between identical runs.
WORKLOADS = {"tcp_pingpong_64": tcp_pingpong(64), "tcp_pingpong_16k": tcp_pingpong(16384)}


def server_pid(launcher):
    """The traced server: strace's child, or valgrind itself."""
    children = f"/proc/{launcher.pid}/task/{launcher.pid}/children"
    for _ in range(100):
        try:
            kids = open(children).read().split()
        except OSError:
            kids = []
        if kids:
            return int(kids[0])
        time.sleep(0.05)
    raise RuntimeError("traced server did not start")


def run(tool, server, workload, n):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        if tool == "strace":
            cmd = ["strace", "-f", "-c", "-o", out, "--"] + SERVERS[server]
        else:
            cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + SERVERS[server]
        launcher = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready()
            WORKLOADS[workload](n)
            target = server_pid(launcher) if tool == "strace" else launcher.pid
            os.kill(target, signal.SIGINT)
            launcher.wait(timeout=120)
        finally:
            if launcher.poll() is None:
                launcher.kill()
                launcher.wait()
        text = open(out).read()
    if tool == "strace":
        calls = {}
        for line in text.splitlines():
            f = line.split()
            if len(f) >= 5 and re.match(r"^[\d.]+$", f[0]) and f[-1] != "total":
                calls[f[-1]] = int(f[3])
        return calls
    return {"Ir": int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))}


def per_message(tool, server, workload):
    a, b = run(tool, server, workload, N1), run(tool, server, workload, N2)
    return {k: (b.get(k, 0) - a.get(k, 0)) / (N2 - N1) for k in set(a) | set(b)}


def main():
    rows = []
    for workload in WORKLOADS:
        for server in SERVERS:
            sys_calls = per_message("strace", server, workload)
            instr = per_message("callgrind", server, workload)["Ir"]
            total = sum(sys_calls.values())
            top = sorted((v, k) for k, v in sys_calls.items() if v >= 0.05)[::-1]
            rows.append((workload, server, total, ", ".join(f"{k} {v:.2f}" for v, k in top), instr))
            print(f"deterministic: {workload} {server} syscalls/msg={total:.2f} "
                  f"instructions/msg={instr:.0f}", file=sys.stderr)
    print("## Deterministic cost per echoed message\n")
    print("One message at a time over loopback (64 B and 16 KiB); difference of runs with "
          f"{N1} and {N2} messages (start-up and shutdown cancel out). Syscalls from "
          "`strace -c -f`, user-space instructions (libc and libuv included) from "
          "`valgrind --tool=callgrind`.\n")
    print("| workload | server | syscalls/msg | of which | instructions/msg | instructions vs libuv |")
    print("|---|---|---|---|---|---|")
    base = {w: i for w, s, _, _, i in rows if s == "libuv"}
    for w, s, total, top, instr in rows:
        ratio = f"{instr / base[w]:.2f}" if base.get(w) else "n/a"
        print(f"| {w} | {s} | {total:.2f} | {top} | {instr:.0f} | {ratio} |")
    print()


if __name__ == "__main__":
    main()
