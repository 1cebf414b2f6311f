#!/usr/bin/env python3
"""Prints, one a line, the files that tools/embed.py builds into the binary."""
import os
import sys

root = sys.argv[1]
folders = ["templates", "static", "locale", "data"]
singles = ["docs/openapi.json"]
paths = []
for folder in folders:
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith("~"):
                continue
            paths.append(os.path.join(dirpath, name))
for single in singles:
    path = os.path.join(root, single)
    if os.path.exists(path):
        paths.append(path)
print("\n".join(paths))
