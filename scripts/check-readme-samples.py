#!/usr/bin/env python3
"""Checks that every code sample in README.md and docs/*.md is a file of the repository.

A sample is a fenced block whose info string names a language and a path
("```cpp examples/find-package/uppercase.cpp"); its text must equal that
file's. C++ and CMake blocks without a path are refused, so the README and
the docs never show code that nothing compiles. Exit 1 names each mismatch."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
problems = []
checked = 0
pages = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
for page in pages:
    name = page.relative_to(root)
    document = page.read_text()
    for match in re.finditer(r"^```(\S+)(?: +(\S+))?\n(.*?)^```$", document, re.S | re.M):
        language, path, text = match.groups()
        line = document.count("\n", 0, match.start()) + 1
        if path is None:
            if language in ("cpp", "c++", "cmake", "make"):
                problems.append(f"{name}:{line}: {language} sample without a file path")
            continue
        source = root / path
        if not source.is_file():
            problems.append(f"{name}:{line}: {path} does not exist")
        elif source.read_text() != text:
            problems.append(f"{name}:{line}: differs from {path}")
        checked += 1
for problem in problems:
    print(problem, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"README and docs samples: {checked} identical to their files ({len(pages)} pages)")
