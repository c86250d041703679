#!/usr/bin/env python3
"""Keeps the engine's dependencies pointing one way.

Each module (a trawl-foo.c with its trawl-foo.h / trawl-foo-private.h)
belongs to one layer below. A file may include the headers of, and call
the functions of, its own layer and the layers under it, never one above:
a download never reaches back into the queue that scheduled it. The front
ends use the engine's public headers only, and not each other.

docs/architecture.md draws the same layers; change both together.

Usage: check-layers.py SOURCE_ROOT
"""

import os
import re
import sys

# Bottom to top. A module not listed here fails the check, so that a new
# file is given its place.
LAYERS = [
    ("base", ["trawl-error", "trawl-i18n", "trawl-util", "trawl-uri", "trawl-filename",
              "trawl-policy", "trawl-xml", "trawl-hls-playlist"]),
    ("models", ["trawl-item", "trawl-board", "trawl-archive", "trawl-recipe",
                "trawl-recipe-set", "trawl-state-counts"]),
    ("extraction", ["trawl-html", "trawl-suggest"]),
    ("files", ["trawl-part", "trawl-paths"]),
    ("http", ["trawl-http", "trawl-proxy-resolver", "trawl-client", "trawl-client-fetch"]),
    ("workers", ["trawl-crawler", "trawl-resolver", "trawl-segment", "trawl-hls",
                 "trawl-transfer", "trawl-recipe-tester", "trawl-backend", "trawl-aria2"]),
    ("scheduler", ["trawl-queue", "trawl-queue-state"]),
]

# Generated headers (type registrations, the built-in recipes' resource):
# anyone may include them.
GENERATED = {"trawl-enums.h", "trawl-recipes.h", "config.h"}

FRONT_ENDS = {"src/app": "app", "src/cli": "cli"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DECLARATION = re.compile(r'^[A-Za-z].*?\b(_?trawl_[a-z0-9_]+)\s*\(', re.M)
CALL = re.compile(r'\b(_?trawl_[a-z0-9_]+)\s*\(')


def module_of(name):
    stem = os.path.basename(name)
    for suffix in (".c", ".h"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if stem.endswith("-private"):
        stem = stem[: -len("-private")]
    return stem


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def main(root):
    level = {}
    for index, (_, modules) in enumerate(LAYERS):
        for module in modules:
            level[module] = index
    layer_name = {index: name for index, (name, _) in enumerate(LAYERS)}

    engine = os.path.join(root, "src", "engine")
    problems = []

    # Which module declares each function.
    owner = {}
    for name in sorted(os.listdir(engine)):
        if not name.endswith(".h") or name in GENERATED:
            continue
        module = module_of(name)
        if module not in level:
            problems.append(f"src/engine/{name}: {module} is in no layer of {__file__}")
            continue
        with open(os.path.join(engine, name), encoding="utf-8") as f:
            text = strip_comments(f.read())
        for function in DECLARATION.findall(text):
            owner.setdefault(function, module)

    def check_engine_file(path, module):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        code = strip_comments(text)
        relative = os.path.relpath(path, root)
        mine = level[module]
        for header in INCLUDE.findall(text):
            if header in GENERATED:
                continue
            other = module_of(header)
            if other not in level:
                problems.append(f"{relative}: includes {header}, which is in no layer")
            elif level[other] > mine:
                problems.append(f"{relative} ({layer_name[mine]}) includes {header} "
                                f"({layer_name[level[other]]}), a layer above it")
        seen = set()
        for function in CALL.findall(code):
            other = owner.get(function)
            if other is None or function in seen:
                continue
            seen.add(function)
            if level[other] > mine:
                problems.append(f"{relative} ({layer_name[mine]}) calls {function} of {other} "
                                f"({layer_name[level[other]]}), a layer above it")

    for name in sorted(os.listdir(engine)):
        if not (name.endswith(".c") or name.endswith(".h")) or name in GENERATED:
            continue
        module = module_of(name)
        if module not in level:
            if name.endswith(".c"):
                problems.append(f"src/engine/{name}: {module} is in no layer of {__file__}")
            continue
        check_engine_file(os.path.join(engine, name), module)

    engine_headers = set(os.listdir(engine))
    for folder, front in FRONT_ENDS.items():
        for dirpath, _, files in os.walk(os.path.join(root, folder)):
            for name in sorted(files):
                if not (name.endswith(".c") or name.endswith(".h")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                relative = os.path.relpath(path, root)
                for header in INCLUDE.findall(text):
                    if header.endswith("-private.h") and header in engine_headers:
                        problems.append(f"{relative} ({front}) includes the engine's private "
                                        f"{header}; front ends use its public API")
                    for other_folder, other in FRONT_ENDS.items():
                        if other != front and os.path.exists(
                                os.path.join(root, other_folder, header)):
                            problems.append(f"{relative} ({front}) includes {header} of the "
                                            f"{other} front end")

    for problem in problems:
        print(problem)
    return 1 if problems else 0


def self_test():
    """The check must see a worker reaching into the queue, and a model
    including a header from above it; and pass a clean tree."""
    import contextlib
    import io
    import tempfile

    def tree(files):
        root = tempfile.mkdtemp()
        for path, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            with open(os.path.join(root, path), "w", encoding="utf-8") as f:
                f.write(text)
        for folder in FRONT_ENDS:
            os.makedirs(os.path.join(root, folder), exist_ok=True)
        return root

    def run(files):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = main(tree(files))
        return status, out.getvalue()

    queue_h = "void _trawl_queue_take (int x);\n"
    clean = {"src/engine/trawl-queue-private.h": queue_h,
             "src/engine/trawl-queue.c": '#include "trawl-queue-private.h"\n',
             "src/engine/trawl-transfer.c": '#include "trawl-util-private.h"\n',
             "src/engine/trawl-util-private.h": "int _trawl_util (void);\n"}
    status, out = run(clean)
    assert status == 0, out
    status, out = run(dict(clean, **{
        "src/engine/trawl-transfer.c": "/* _trawl_queue_take (1) in a comment is fine */\n"
                                       "void f (void) { _trawl_queue_take (1); }\n"}))
    assert status == 1 and "calls _trawl_queue_take" in out and out.count("\n") == 1, out
    status, out = run(dict(clean, **{
        "src/engine/trawl-item.c": '#include "trawl-queue-private.h"\n'}))
    assert status == 1 and "trawl-item.c (models) includes" in out, out
    status, out = run(dict(clean, **{"src/cli/main.c": '#include "trawl-queue-private.h"\n'}))
    assert status == 1 and "private" in out, out
    status, out = run(dict(clean, **{"src/engine/trawl-new.c": ""}))
    assert status == 1 and "in no layer" in out, out
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
