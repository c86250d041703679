#!/usr/bin/env python3
"""trawl-cli's live progress block on a real terminal (a pseudo-terminal of
80 columns): long titles, CJK ones (two columns a character) among them,
never make a row wrap, so that redrawing the block clears exactly what it
drew and no stale rows pile up. Found by the hostile review of issue 11
(F05). Prints TAP.
"""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata

COLUMNS = 80
TITLES = [
    "外卖小哥雨中送餐摔倒，顾客的举动暖心了：一段被转发了上万次的视频，记录下城市夜晚的温情瞬间",
    "How a 70-year-old noodle shop keeps its broth recipe through three generations and one flood",
    "高铁上的“移动办公室”：乘客的一天",
]
CSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def columns_of(text):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def read_all(fd, process, deadline):
    data = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        elif process.poll() is not None:
            break
    return data


def main():
    build = os.environ.get("G_TEST_BUILDDIR", "")
    cli = os.environ["TRAWL_CLI"]
    server_exe = os.path.join(build, "server", "trawl-board-server")
    print("1..1")

    server = subprocess.Popen([server_exe, "-n", "6", "--size", "1M", "--rate", "256K"]
                              + [a for t in TITLES for a in ("--title", t)],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory(prefix="trawl-terminal-") as out:
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
            env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="")
            process = subprocess.Popen([cli, "--no-archive", "-r", "pearvideo", "-j", "3", "-o", out, url],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=slave, env=env, close_fds=True)
            os.close(slave)
            data = read_all(master, process, time.monotonic() + 120)
            process.wait(timeout=30)
            os.close(master)
    finally:
        server.terminate()
        server.wait()

    text = data.decode("utf-8", "replace").replace("\r", "")
    rows = [CSI.sub("", line) for line in text.split("\n")]
    progress = [r for r in rows if " left " in r or "downloading" in r]
    wide = [r for r in progress if columns_of(r) >= COLUMNS]
    problems = []
    if process.returncode != 0:
        problems.append(f"trawl-cli exited with {process.returncode}")
    if len(progress) < 3:
        problems.append(f"only {len(progress)} progress rows were drawn")
    if not any(columns_of(r) > len(r) for r in progress):
        problems.append("no progress row showed a CJK title")
    for r in wide:
        problems.append(f"a row of {columns_of(r)} columns: {r!r}")
    if problems:
        print("not ok 1 /terminal/progress-fits")
        for p in problems[:10]:
            print("# " + p)
        return 1
    print(f"ok 1 /terminal/progress-fits # {len(progress)} progress rows, none wider than "
          f"{COLUMNS - 1} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
