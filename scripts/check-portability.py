#!/usr/bin/env python3
"""Fails if a Linux header or a Linux-only call appears in reactor/ or demo/
outside their platform units (reactor/src/Platform.*, demo/ProcessPlatform.*),
so the core keeps building wherever libuv runs (the BSDs, macOS).

Comments are ignored, string literals only for /proc and /sys paths. Usage:
scripts/check-portability.py [ROOT]; prints each offence as FILE:LINE: what.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
PLATFORM_UNITS = {"reactor/src/Platform.hpp", "reactor/src/Platform.cpp",
                  "demo/ProcessPlatform.hpp", "demo/ProcessPlatform.cpp"}
HEADERS = re.compile(r"#\s*include\s*<(linux/|asm/|mach/|mach-o/|sys/(prctl|epoll|eventfd|"
                     r"signalfd|timerfd|inotify|sendfile|sysinfo|filio|procctl|sockio|event)"
                     r"\.h)")
CALLS = re.compile(r"\b(SIOCOUTQ|SIOCINQ|FIONWRITE|SO_NWRITE|SO_REUSEPORT(_LB)?|SO_BINDTODEVICE|"
                   r"prctl|PR_SET_\w+|procctl|SOCK_CLOEXEC|SOCK_NONBLOCK|accept4|pipe2|dup3|"
                   r"epoll_\w+|eventfd|signalfd|timerfd_\w+|sendfile|splice|TCP_USER_TIMEOUT|"
                   r"TCP_QUICKACK|TCP_CORK|MSG_NOSIGNAL|IOV_MAX|__linux__|__FreeBSD__|__APPLE__)\b")
PATHS = re.compile(r"\"[^\"\n]*/(proc|sys)/")


def code_of(text):
    """The text with comments blanked and string contents blanked (kept
    separately per line for the path check); line numbers are preserved."""
    code, strings = [], []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            code.append("\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            literal = text[i:j + 1]
            strings.append((text.count("\n", 0, i) + 1, literal))
            code.append(c + " " * max(0, len(literal) - 2) + c)
            i = j + 1
        else:
            code.append(c)
            i += 1
    return "".join(code), strings


def main():
    offences = []
    for top in ("reactor", "demo"):
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in (".hpp", ".cpp", ".h", ".c"):
                continue
            rel = path.relative_to(ROOT).as_posix()
            if rel in PLATFORM_UNITS:
                continue
            text = path.read_text()
            # Includes are checked on the raw lines: <...> is not a string.
            for number, line in enumerate(text.splitlines(), 1):
                if HEADERS.search(line.split("//")[0]):
                    offences.append(f"{rel}:{number}: platform header: {line.strip()}")
            code, strings = code_of(text)
            for number, line in enumerate(code.splitlines(), 1):
                if line.lstrip().startswith("#include"):
                    continue
                for m in CALLS.finditer(line):
                    offences.append(f"{rel}:{number}: platform-specific call: {m.group(0)}")
            for number, literal in strings:
                if PATHS.search(literal):
                    offences.append(f"{rel}:{number}: Linux path: {literal}")
    for o in offences:
        print(o)
    if offences:
        print(f"check-portability: {len(offences)} platform-specific use(s) outside "
              f"{', '.join(sorted(PLATFORM_UNITS))}: move them behind the platform unit")
        return 1
    print("check-portability: reactor/ and demo/ use platform calls only in their platform units")
    return 0


if __name__ == "__main__":
    sys.exit(main())
