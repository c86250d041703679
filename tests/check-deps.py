#!/usr/bin/env python3
"""What a fresh machine needs is what build-aux/deps.sh installs: every
program the meson files look for (and the ones gnome.post_install() runs) is
provided by a package in its list, and none is looked for with
`required: false`, which would let a test vanish where the tool is missing."""

import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)

# The Debian 12 package of each program; a new find_program() needs a line.
PROVIDERS = {
    "msgfmt": "gettext",
    "python3": "python3",
    "glib-compile-schemas": "libglib2.0-bin",
    "desktop-file-validate": "desktop-file-utils",
    "update-desktop-database": "desktop-file-utils",
    "gtk-update-icon-cache": "gtk-update-icon-cache",
    "appstreamcli": "appstream",
    "xvfb-run": "xvfb",
    "Xvfb": "xvfb",
    "dbus-run-session": "dbus",  # through dbus-bin
    "nginx": "nginx-light",
    "gst-discoverer-1.0": "gstreamer1.0-plugins-base-apps",
    "aria2c": "aria2",
    "gnome-keyring-daemon": "gnome-keyring",
}
POST_INSTALL = {
    "glib_compile_schemas": "glib-compile-schemas",
    "gtk_update_icon_cache": "gtk-update-icon-cache",
    "update_desktop_database": "update-desktop-database",
}

deps = (root / "build-aux" / "deps.sh").read_text(encoding="utf-8")
block = re.search(r"^packages=\((.*?)^\)", deps, re.S | re.M)
packages = set()
for line in block.group(1).splitlines():
    packages.update(line.split("#")[0].split())

problems = []
for path in sorted(root.glob("**/meson.build")):
    relative = path.relative_to(root)
    if relative.parts[0].startswith(("_build", ".")):
        continue
    text = path.read_text(encoding="utf-8")
    programs = []
    for call in re.finditer(r"find_program\(\s*'([^']+)'([^)]*)\)", text):
        name, rest = call.groups()
        line = text.count("\n", 0, call.start()) + 1
        if re.search(r"required:\s*false", rest):
            problems.append(f"{relative}:{line}: {name} is optional, so its test can vanish")
        programs.append((name, line))
    for key, name in POST_INSTALL.items():
        match = re.search(key + r":\s*true", text)
        if match:
            programs.append((name, text.count("\n", 0, match.start()) + 1))
    for name, line in programs:
        if (path.parent / name).exists():
            continue  # a script of this repository
        package = PROVIDERS.get(name)
        if package is None:
            problems.append(f"{relative}:{line}: {name}: say in tests/check-deps.py which "
                            "package provides it, and add that to build-aux/deps.sh")
        elif package not in packages:
            problems.append(f"{relative}:{line}: {name} needs {package}, which "
                            "build-aux/deps.sh does not install")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
