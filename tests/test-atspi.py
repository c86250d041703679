#!/usr/bin/env python3
"""The window as a screen reader sees it: the real app under Xvfb, on a
session bus of its own with the accessibility bus, read through AT-SPI
(pyatspi). Every control a person can reach has a name (never a GTK type
name, a mnemonic underscore or its text twice), every row reads as its
title and its state, every heading as its board and what was found.
The tree is written to atspi-*.txt in the working folder.

It starts its own X server on a free display (Xvfb -displayfd: xvfb-run -a
races with the other suites' for :99).

Usage (under dbus-run-session): test-atspi.py XVFB TRAWL SCHEMA_DIR"""

import os
import re
import subprocess
import sys
import tempfile
import time

import pyatspi

TIMEOUT = 60
NAMED_ROLES = {"push button", "toggle button", "check box", "text", "entry", "list item",
               "image", "progress bar", "radio button", "menu item"}
TYPE_NAME = re.compile(r"^(Gtk|Adw)[A-Z]")
# What a row's second line starts with (trawl-item-row.c), or its progress.
STATE_WORDS = ("Waiting", "Finding the video", "Downloading", "Connecting", "Paused", "Done",
               "Failed", "Cancelled", " of ", " MB", " kB")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def start_x(xvfb):
    """An X server on a display no one else has; its process and name."""
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1280x900x24",
                               "-nolisten", "tcp"], pass_fds=(write,),
                              stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        sys.exit("Xvfb did not start")
    return server, f":{number}"


def start(trawl, schemas, home, *args):
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=home, XDG_CONFIG_HOME=home,
               XDG_CACHE_HOME=home, GSETTINGS_BACKEND="memory", GSETTINGS_SCHEMA_DIR=schemas,
               GDK_BACKEND="x11", GSK_RENDERER="cairo")
    # The accessibility bridge is what is tested.
    env.pop("NO_AT_BRIDGE", None)
    env.pop("GTK_A11Y", None)
    return subprocess.Popen([trawl, *args], env=env)


def find_app(process):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"trawl exited with {process.returncode}")
        for app in pyatspi.Registry.getDesktop(0):
            if app is not None and app.name == "trawl":
                return app
        time.sleep(0.2)
    sys.exit("trawl never showed up on the accessibility bus")


def walk(accessible, depth=0, parents=()):
    """(accessible, role, name, depth, parent roles) for the whole tree."""
    try:
        role, name = accessible.getRoleName(), accessible.name or ""
        children = [child for child in accessible if child is not None]
    except Exception:  # a row recycled while it was read
        return
    yield accessible, role, name, depth, parents
    for child in children:
        yield from walk(child, depth + 1, parents + (role,))


def dump(app, path):
    with open(path, "w", encoding="utf-8") as out:
        for _, role, name, depth, _ in walk(app):
            out.write(f"{'  ' * depth}{role} '{name}'\n")


def check_names(app, what):
    for _, role, name, _, parents in walk(app):
        if role not in NAMED_ROLES:
            continue
        # The address box's icons are drawn by GtkEntry, which names none;
        # Enter does what the "add" icon does.
        if role == "image" and "text" in parents:
            continue
        check(name.strip() != "", f"{what}: a {role} has no name")
        check(not TYPE_NAME.match(name), f"{what}: a {role} is named by its type: {name!r}")
        check(not re.search(r"(^|\s)_\w", name), f"{what}: a mnemonic underscore: {name!r}")
        words = name.split()
        half = len(words) // 2
        check(not (half > 0 and len(words) % 2 == 0 and
                   [w.lower() for w in words[:half]] == [w.lower() for w in words[half:]]),
              f"{what}: a {role} says its name twice: {name!r}")


def list_items(app):
    for accessible, role, name, _, parents in walk(app):
        if role == "list" and name == "Videos":
            return [child.name or "" for child in accessible if child is not None]
    return []


def main():
    xvfb, trawl, schemas = sys.argv[1], sys.argv[2], sys.argv[3]
    home = tempfile.mkdtemp(prefix="trawl-atspi-")
    x_server, os.environ["DISPLAY"] = start_x(xvfb)
    os.environ.pop("XAUTHORITY", None)
    try:
        return check_app(trawl, schemas, home)
    finally:
        x_server.terminate()
        x_server.wait()


def check_app(trawl, schemas, home):
    # The empty window.
    process = start(trawl, schemas, home)
    try:
        app = find_app(process)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not any(
                role == "push button" and "Paste Board Address" in name
                for _, role, name, _, _ in walk(app)):
            time.sleep(0.2)
        dump(app, "atspi-empty.txt")
        check_names(app, "empty window")
        buttons = [name for _, role, name, _, _ in walk(app)
                   if role == "push button" and "Paste" in name]
        check(buttons == ["Paste Board Address"], f"the empty page's button reads {buttons!r}")
    finally:
        process.terminate()
        process.wait()

    # The demo board downloading: headings and rows.
    process = start(trawl, schemas, home, "--demo")
    try:
        app = find_app(process)
        deadline = time.monotonic() + TIMEOUT
        items = []
        while time.monotonic() < deadline:
            items = list_items(app)
            if len(items) >= 8 and all(items) and any("found 24 videos" in i for i in items):
                break
            time.sleep(0.2)
        dump(app, "atspi-demo.txt")
        check_names(app, "demo")
        check(len(items) >= 8, f"only {len(items)} rows in the list: {items!r}")
        headings = [i for i in items if "found " in i]
        check(len(headings) == 1 and headings[0].startswith("财富_梨视频官网, found 24 videos"),
              f"the board's heading reads {headings!r}")
        for item in items:
            if item in headings:
                continue
            title, _, state = item.partition(", ")
            check(title != "" and any(word in state for word in STATE_WORDS),
                  f"a row reads {item!r}: not its title and its state")
        filters = [name for _, role, name, _, parents in walk(app)
                   if role in ("push button", "toggle button") and "Show" in name]
        check(any(re.fullmatch(r"Show all, \d+ videos?", f) for f in filters),
              f"the filters read {filters!r}")
    finally:
        process.terminate()
        process.wait()

    for failure in failures:
        print("FAIL:", failure)
    print(f"{'not ' if failures else ''}ok - the accessible tree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
