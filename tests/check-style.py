#!/usr/bin/env python3
"""The checkable part of STYLE.md and .editorconfig: spaces not tabs, no
trailing blanks, at most 100 columns (characters, not bytes), a final
newline, and each source file opening with its log domain and config.h."""

import pathlib
import subprocess
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
try:
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "src", "tests"],
                            capture_output=True, text=True, check=True).stdout.split()
except (OSError, subprocess.CalledProcessError):
    listed = [str(p.relative_to(root)) for p in root.glob("src/**/*") if p.is_file()]
    listed += [str(p.relative_to(root)) for p in root.glob("tests/*") if p.is_file()]

problems = []
for name in sorted(listed):
    if not name.endswith((".c", ".h")):
        continue
    text = (root / name).read_text(encoding="utf-8")
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if "\t" in line:
            problems.append(f"{name}:{number}: tab")
        if line != line.rstrip():
            problems.append(f"{name}:{number}: trailing blank")
        if len(line) > 100:
            problems.append(f"{name}:{number}: {len(line)} columns, more than 100")
    if text and not text.endswith("\n"):
        problems.append(f"{name}: no newline at the end")
    if name.startswith("src/") and name.endswith(".c"):
        if not lines[0].startswith('#define G_LOG_DOMAIN "trawl'):
            problems.append(f"{name}:1: does not start with its G_LOG_DOMAIN")
        if len(lines) < 3 or lines[2] != '#include "config.h"':
            problems.append(f"{name}:3: config.h is not the first include")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
