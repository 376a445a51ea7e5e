#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Dependency graph between the top-level directories, from the #include
lines of every .c/.h file and the prerequisites of the Makefile's link
rules. Prints one edge a line ("cli -> lib  [include, link]") and exits 1
if an edge points the wrong way: each directory may depend only on the
layers below its own (include <- bpf, libvsock <- loader <- lib <- cli,
daemon <- tests, bench, tools, examples).

usage: tools/deps-graph.py [SOURCE_DIR]   (default: the tree it lives in)
"""
import os
import re
import sys

LAYER = {'include': 0, 'bpf': 1, 'loader': 2, 'lib': 3, 'cli': 4, 'daemon': 4,
         'tests': 5, 'bench': 5, 'tools': 5,
         # libvsock, the applications' library, needs only include/
         'libvsock': 1, 'examples': 5}
# where a quoted include that is not next to its includer is searched, in
# the order of the Makefile's -I flags; skeletons are generated from bpf/
SEARCH = ['include', 'lib', 'loader', 'daemon', 'cli', 'bpf', 'tests/integration', 'libvsock']
# what a link rule's prerequisite names -> the directory it comes from
LINKED = [(r'libvsockutil\.a|(^|/)lib/', 'lib'), (r'libvsockload\.a|(^|/)loader/', 'loader'),
          (r'libvsockd\.a|(^|/)daemon/', 'daemon'), (r'(^|/)cli/', 'cli'),
          (r'libvsock\.(a|so)|LIBVSOCK_A|(^|/)libvsock/', 'libvsock')]
# link rules: target pattern -> the directory that owns the target
TARGETS = [(r'^\$\(O\)/vsockctl$', 'cli'), (r'^\$\(O\)/vsockd$', 'daemon'),
           (r'^\$\(O\)/tests/', 'tests'), (r'^\$\(FUZZ_BIN\)$', 'tests'),
           (r'^\$\(O\)/bench/', 'bench'), (r'^\$\(O\)/examples/', 'examples')]


def top(path):
    return path.split('/', 1)[0]


def include_edges(root, edges):
    for d in LAYER:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in files:
                if not f.endswith(('.c', '.h')):
                    continue
                src = os.path.join(dirpath, f)
                rel = os.path.relpath(src, root)
                with open(src, errors='replace') as fh:
                    for line in fh:
                        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                        if m:
                            add_include(root, rel, m.group(1), edges)


def add_include(root, rel, inc, edges):
    here = os.path.dirname(rel)
    if os.path.exists(os.path.join(root, here, inc)):
        target = os.path.normpath(os.path.join(here, inc))
    elif inc.endswith('.skel.h'):
        target = 'bpf/' + inc
    elif inc == 'vmlinux.h':
        return
    else:
        found = [d for d in SEARCH if os.path.exists(os.path.join(root, d, inc))]
        if not found:
            return
        target = found[0] + '/' + inc
    if top(target) != top(rel):
        edges.setdefault((top(rel), top(target)), {}).setdefault(
            'include', '%s includes "%s"' % (rel, inc))


def expand(text, var, depth=0):
    """$(NAME) replaced by its definition, as make would (functions kept)."""
    if depth > 8:
        return text
    return re.sub(r'\$\((\w+)\)',
                  lambda m: expand(var[m.group(1)], var, depth + 1)
                  if m.group(1) in var else m.group(0), text)


def link_edges(root, edges):
    with open(os.path.join(root, 'Makefile')) as fh:
        text = fh.read().replace('\\\n', ' ')
    var = dict(re.findall(r'^(\w+)\s*[:?]?=\s*(.*)$', text, re.M))
    for line in text.splitlines():
        m = re.match(r'^(\S+)\s*:(?![=:])\s*(.*)$', line)
        if not m:
            continue
        owner = next((o for p, o in TARGETS if re.match(p, m.group(1))), None)
        if not owner:
            continue
        for tok in expand(m.group(2).split('|')[0], var).split():
            tok = tok.rstrip(')')
            if tok.endswith(('.h', '.sh')) or tok.startswith('tests/'):
                continue
            dep = next((d for p, d in LINKED if re.search(p, tok)), None)
            if dep and dep != owner:
                edges.setdefault((owner, dep), {}).setdefault(
                    'link', '%s links %s' % (m.group(1), tok))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    edges = {}
    include_edges(root, edges)
    link_edges(root, edges)
    wrong = 0
    for (a, b), how in sorted(edges.items(), key=lambda e: (LAYER[e[0][0]], e[0])):
        line = '%s -> %s  [%s]' % (a, b, ', '.join(sorted(how)))
        if LAYER[b] >= LAYER[a]:
            wrong += 1
            line += '  WRONG WAY: ' + '; '.join(how[k] for k in sorted(how))
        print(line)
    if wrong:
        print('%d edge(s) point the wrong way' % wrong, file=sys.stderr)
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main())
