#!/usr/bin/env python3
"""Runs break-and-fail demonstrations: a test that cannot fail on the bug it guards against is no test.

    python3 tools/mutations/run.py tools/mutations/issue15.py --batch 2
    python3 tools/mutations/run.py tools/mutations/issue15.py 5a-replace-does-not-cancel

The file defines DEMOS, a list of dicts:
  id      a name
  batch   demos of one batch are applied together (their breaks must not reach each other's tests)
  edits   [(path, old, new)]: `old` must occur exactly once in the file; it is replaced by `new`
  test    (test target, [Qt Test arguments, e.g. the function name])
  env     optional {name: value} for the test process (e.g. a data folder that does not exist)
  hide    optional list of paths moved aside while the test runs (put back afterwards)

Each demo's test must FAIL; the report says so per demo and keeps the break's diff and the test's
output under build/mutations/<id>.out. The edited files are restored with `git checkout --`
(run it on a clean tree: uncommitted changes to those files would be lost) and a normal build
afterwards rebuilds them. Needs the development build in build/ (cmake --preset default).
"""
import argparse
import os
import runpy
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")


def sh(args, **kw):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--batch", type=int)
    a = ap.parse_args()
    demos = runpy.run_path(a.file)["DEMOS"]
    if a.ids:
        demos = [d for d in demos if d["id"] in a.ids]
    elif a.batch is not None:
        demos = [d for d in demos if d.get("batch") == a.batch]
    if not demos:
        sys.exit("no demo selected")
    files = sorted({f for d in demos for f, _, _ in d.get("edits", [])})
    dirty = sh(["git", "status", "--porcelain", "--"] + files).stdout.strip() if files else ""
    if dirty:
        sys.exit("these files have uncommitted changes; commit or stash them first:\n" + dirty)
    out_dir = os.path.join(BUILD, "mutations")
    os.makedirs(out_dir, exist_ok=True)
    failures_seen = 0
    try:
        for d in demos:
            for f, old, new in d.get("edits", []):
                path = os.path.join(ROOT, f)
                s = open(path, encoding="utf-8").read()
                n = s.count(old)
                if n != 1:
                    sys.exit("%s: %s: the text to replace occurs %d times" % (d["id"], f, n))
                open(path, "w", encoding="utf-8").write(s.replace(old, new))
        targets = sorted({d["test"][0] for d in demos})
        b = sh(["cmake", "--build", "build", "-j", "2", "--target"] + targets)
        if b.returncode:
            print(b.stdout[-3000:], b.stderr[-2000:])
            sys.exit("the build with the breaks failed")
        for d in demos:
            target, args = d["test"]
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QTEST_FUNCTION_TIMEOUT="1200000",
                       REVERIE_CONFIG_DIR=os.path.join(out_dir, "config-" + target))
            env.update(d.get("env", {}))
            hidden = []
            try:
                for p in d.get("hide", []):
                    src = os.path.join(ROOT, p)
                    os.rename(src, src + ".hidden-by-mutations")
                    hidden.append(src)
                r = subprocess.run([os.path.join(BUILD, "tests", target)] + args, cwd=os.path.join(BUILD, "tests"),
                                   capture_output=True, text=True, env=env)
            finally:
                for src in hidden:
                    os.rename(src + ".hidden-by-mutations", src)
            out = r.stdout + r.stderr
            lines = [l for l in out.splitlines() if l.startswith("FAIL!") or "Loc:" in l or "Actual" in l or "Expected" in l]
            verdict = "FAILED (as it should)" if r.returncode != 0 else "PASSED (the break was not caught)"
            failures_seen += r.returncode != 0
            report = "## %s: %s %s -> %s\n%s\n" % (d["id"], target, " ".join(args), verdict, "\n".join(lines[:8]))
            print(report, flush=True)
            diff = sh(["git", "diff", "--"] + sorted({f for f, _, _ in d.get("edits", [])})).stdout if d.get("edits") else ""
            with open(os.path.join(out_dir, d["id"] + ".out"), "w") as f:
                f.write(report + "\n--- the break ---\n" + diff + "\n--- test output ---\n" + out[-8000:])
    finally:
        if files:
            sh(["git", "checkout", "--"] + files)
    print("%d of %d demos failed as they should" % (failures_seen, len(demos)))


if __name__ == "__main__":
    main()
