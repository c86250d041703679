#!/usr/bin/env python3
"""Every translation in po/ is complete for the sources as they are now.

1. Every source file with strings marked for translation (_(), N_(),
   ngettext(), translatable="yes") is listed in po/POTFILES.in.
2. A template extracted afresh from those files (xgettext, with the keywords
   of meson's glib preset) has every message translated in each po/*.po
   (msgcmp, which counts untranslated and fuzzy entries as missing).

Usage: check-po.py SOURCE_ROOT"""

import pathlib
import re
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
po = root / "po"
listed = [line.strip() for line in (po / "POTFILES.in").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.startswith("#")]

marked = re.compile(r'\b(?:N?C?_|g?d?ngettext)\s*\(\s*"|translatable="yes"')
problems = []
for path in sorted(root.glob("src/**/*")):
    if path.suffix not in (".c", ".ui") or not path.is_file():
        continue
    name = str(path.relative_to(root))
    if marked.search(path.read_text(encoding="utf-8")) and name not in listed:
        problems.append(f"{name} has strings to translate but is not in po/POTFILES.in")
for name in listed:
    if not (root / name).is_file():
        problems.append(f"po/POTFILES.in lists {name}, which does not exist")

with tempfile.TemporaryDirectory() as tmp:
    pot = pathlib.Path(tmp) / "fresh.pot"
    subprocess.run(["xgettext", "--from-code=UTF-8", "--add-comments", "--keyword=_",
                    "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
                    "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3",
                    "--keyword=g_dpgettext2:2c,3", "--flag=N_:1:pass-c-format",
                    "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
                    "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
                    "--flag=g_string_printf:2:c-format", "--flag=g_set_error:4:c-format",
                    "--flag=g_printerr:1:c-format",
                    "-D", str(root), "-f", str(po / "POTFILES.in"), "-o", str(pot)],
                   check=True)
    for translation in sorted(po.glob("*.po")):
        result = subprocess.run(["msgcmp", str(translation), str(pot)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            missing = [line for line in result.stderr.splitlines() if "this message" in line]
            problems.append(f"{translation.name}: {len(missing) or 'some'} messages of the "
                            "sources are not translated (run `ninja -C _build trawl-update-po` "
                            "and translate them):\n" + result.stderr.strip())

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
