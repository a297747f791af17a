#!/usr/bin/env python3
"""Checks that imports point down (ARCHITECTURE.md): no import circle between the files or the
folders of a crate, and, for the wrapper, no module importing one of a higher layer.

    python3 .ci/layers.py crates/docspace-people/src [-v]

An edge is a `use` or a path through `crate::`/`super::`, or a reference to a child module
declared with `mod`; a folder's `mod.rs` re-exporting its children (`pub use child::...`) is
the folder's face, not an import. Doc comments and unit tests are left out. Exits 1 on a
violation, listing it; `-v` prints every file's imports.
"""
import os, re, sys
root = sys.argv[1]
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)[:-3]
            mod = rel.replace(os.sep, '::')
            if mod.endswith('::mod'): mod = mod[:-5]
            if mod in ('lib', 'main'): mod = ''
            files[mod] = open(p).read()
mods = set(files)
ROOTNAMES = {}
def load_root():
    src = files.get('', '')
    for u in re.findall(r'\bpub use\s+([^;]+);', src):
        u = re.sub(r'\s+', '', u)
        mm = re.match(r'^(\w+(?:::\w+)*)::\{(.*)\}$', u)
        if mm:
            for name in mm.group(2).split(','):
                ROOTNAMES[name.split('::')[-1]] = mm.group(1)
        else:
            mm = re.match(r'^(\w+(?:::\w+)*)::(\w+)$', u)
            if mm: ROOTNAMES[mm.group(2)] = mm.group(1)
def resolve(cur, path):
    parts = path.split('::')
    if parts[0] == 'crate': base = []; parts = parts[1:]
    elif parts[0] == 'super':
        base = cur.split('::') if cur else []
        # file module: super refers to parent
        while parts and parts[0] == 'super':
            base = base[:-1]; parts = parts[1:]
    elif parts[0] == 'self':
        base = cur.split('::') if cur else []; parts = parts[1:]
    else: return None
    best = None
    if not base and parts and parts[0] in ROOTNAMES and ROOTNAMES[parts[0]] in mods:
        return ROOTNAMES[parts[0]]
    for i in range(len(parts)+1):
        m = '::'.join(base + parts[:i])
        if m in mods: best = m
    return best
load_root()
edges = {}
for m, src in files.items():
    src = re.sub(r'#\[cfg\(test\)\]\s*mod tests\s*\{.*', '', src, flags=re.S)
    src = re.sub(r'^\s*//.*$', '', src, flags=re.M)
    targets = set()
    # expand use groups simply
    for u in re.findall(r'\b(?:use|pub use|pub\(crate\) use)\s+([^;]+);', src):
        u = re.sub(r'\s+', '', u)
        def expand(s):
            mm = re.match(r'^(.*?)\{(.*)\}$', s)
            if not mm: return [s]
            pre, inner = mm.group(1), mm.group(2)
            out=[]; depth=0; cur=''
            for ch in inner:
                if ch=='{': depth+=1
                if ch=='}': depth-=1
                if ch==',' and depth==0: out.append(cur); cur=''
                else: cur+=ch
            if cur: out.append(cur)
            r=[]
            for o in out: r += expand(pre+o)
            return r
        for e in expand(u):
            t = resolve(m, e.split(' as ')[0])
            if t is not None and t != m: targets.add(t)
    for p in re.findall(r'\b((?:crate|super)(?:::\w+)+)', src):
        t = resolve(m, p)
        if t is not None and t != m: targets.add(t)
    for child in re.findall(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+(\w+)\s*;', src, flags=re.M):
        full = (m + '::' + child) if m else child
        if re.search(r'\b' + child + r'::', re.sub(r'^\s*(?:pub(?:\([a-z]+\))?\s+)?(?:mod|use)\b.*$', '', src, flags=re.M)) and full in mods:
            targets.add(full)
        # `use child::...` / `pub use child::...`
        if re.search(r'^\s*use\s+' + child + r'::', src, flags=re.M) and full in mods:
            targets.add(full)
    edges[m] = targets
import collections
def sccs():
    index = {}; low = {}; st=[]; on=set(); res=[]; c=[0]
    def sc(v):
        index[v]=low[v]=c[0]; c[0]+=1; st.append(v); on.add(v)
        for w in edges.get(v,()):
            if w not in index: sc(w); low[v]=min(low[v],low[w])
            elif w in on: low[v]=min(low[v],index[w])
        if low[v]==index[v]:
            comp=[]
            while True:
                w=st.pop(); on.discard(w); comp.append(w)
                if w==v: break
            if len(comp)>1: res.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in edges:
        if v not in index: sc(v)
    return res
# The wrapper's layers, bottom to top: a module may import its own layer or lower ones.
LAYERS = [
    {'dates', 'enums', 'quota', 'wire_form', 'error', 'user', 'state', 'server', 'boxed'},
    {'transport'},
    {'change'},
    {'client'},
    {'read'},
    {'jobs'},
    {'bulk', 'invite'},
    {'offboard'},
    {'sync'},
    {'lifecycle'},
]
for k in edges: edges[k].discard('')
failures = []
nedges = sum(len(v) for v in edges.values())
print(f"{root}: {len(files)} files, {nedges} imports")
for comp in sccs():
    failures.append("import circle between files: " + ", ".join(comp))
top = lambda m: m.split('::')[0]
layer_of = {m: i for i, layer in enumerate(LAYERS) for m in layer}
if root.rstrip('/').endswith('crates/docspace-people/src'):
    for a, ts in sorted(edges.items()):
        for b in sorted(ts):
            la, lb = layer_of.get(top(a)), layer_of.get(top(b))
            if la is None or lb is None:
                failures.append(f"{a or '<root>'} -> {b}: a module of no layer (add it to LAYERS)")
            elif lb > la:
                failures.append(f"{a} imports {b}, a higher layer")
saved = edges
fe = collections.defaultdict(set)
for a, ts in saved.items():
    for b in ts:
        if top(a) != top(b):
            fe[top(a)].add(top(b))
edges = fe
for comp in sccs():
    failures.append("import circle between folders: " + ", ".join(comp))
if '-v' in sys.argv:
    for a in sorted(saved):
        print(' ', a or '<root>', '->', ', '.join(sorted(saved[a])))
for f in failures:
    print("error:", f)
sys.exit(1 if failures else 0)
