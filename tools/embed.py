#!/usr/bin/env python3
"""Turns files into a C source file so the binary carries its templates,
static assets, catalogs and reference data (nothing is read from disk at
run time). Usage: embed.py OUTPUT.c ROOT FILE...  (FILE paths stored relative to ROOT)."""
import hashlib
import os
import sys


def c_bytes(data):
    lines = []
    for i in range(0, len(data), 20):
        lines.append(", ".join(str(b) for b in data[i:i + 20]))
    return ",\n\t".join(lines) if lines else "0"


def main():
    out_path, root = sys.argv[1], os.path.abspath(sys.argv[2])
    files = sorted(os.path.relpath(os.path.abspath(arg), root) for arg in sys.argv[3:])
    parts = ['#include "base/embedded.h"\n']
    entries = []
    for index, rel in enumerate(files):
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read()
        digest = hashlib.sha256(data).hexdigest()[:16]
        # A NUL after the data lets text files be used as C strings.
        body = c_bytes(data + bytes(1))
        parts.append(f"static const unsigned char file_{index}[] = {{\n\t{body}\n}};\n")
        entries.append(f'\t{{ "{rel}", file_{index}, {len(data)}, "{digest}" }},')
    parts.append("const struct gc_embedded_file gc_embedded_files[] = {\n" + "\n".join(entries) + "\n};\n")
    parts.append(f"const size_t gc_embedded_count = {len(entries)};\n")
    with open(out_path, "w") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    main()
