#!/usr/bin/env python3
#  layers.py -- the tree's layering (README "Layers"), checked on every
#  quoted include of proto/, replication/ and node/: a folder includes only
#  folders before it in ORDER (or itself), so no include cycle can form
#  between them.  Prints each include that breaks it; exit 1 if any.
import os, re, sys

ORDER = ["proto", "replication", "node/common", "node/base", "node/store",
         "node/pipeline", "node/links", "node/ops", "node/serve", "node/daemon"]
#  The client library and licctl stand beside the daemon, on common.
SIDE = {"node/client": ["proto", "node/common"],
        "node/cli": ["proto", "replication", "node/common", "node/client"]}

def folder(path):
    parts = path.split("/")
    return "/".join(parts[:2]) if parts[0] == "node" else parts[0]

def allowed(a, b):
    if a == b:
        return True
    if a in SIDE:
        return b in SIDE[a]
    if a not in ORDER or b not in ORDER:
        return False
    return ORDER.index(b) < ORDER.index(a)

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
bad = 0
seen = 0
for top in ("proto", "replication", "node"):
    for dirpath, _, names in os.walk(os.path.join(root, top)):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.relpath(os.path.join(dirpath, name), root)
            a = folder(path)
            if a not in ORDER and a not in SIDE:
                print(f"{path}: folder {a} is in no layer (tests/layers.py ORDER)")
                bad += 1
                continue
            with open(os.path.join(root, path), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    inc = m.group(1)
                    seen += 1
                    if "/" not in inc:
                        if inc != "licrepo.pb-c.h":
                            print(f"{path}:{n}: include \"{inc}\" does not name its folder")
                            bad += 1
                        continue
                    if inc.startswith("licrepo/"):
                        continue        #  the installed API header (include/)
                    b = folder(inc)
                    if not allowed(a, b):
                        print(f"{path}:{n}: {a} includes {inc} ({b} is not below it)")
                        bad += 1
print(f"layers: {seen} includes checked, {bad} out of order")
sys.exit(1 if bad else 0)
