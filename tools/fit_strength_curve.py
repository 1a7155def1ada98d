#!/usr/bin/env python3
"""Fit a speech model's strength curve (speech/enhance.h StrengthCurve, the card's
"strength_by_coherence") on a strength sweep of the VALIDATION split.

  reverie-cli bench enhance --model M --layout split --split val --snr-buckets 0,5,10,15,20 \
      --samples 20 --strengths 0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1 --no-peers --json > val.json
  tools/fit_strength_curve.py val.json [--bins N] [--w W] [--cv]

Each mixture of the sweep carries the coherence of what the model removed with what it kept
(speech/enhance.h removedCoherence) and its scores (SI-SDR dB, ESTOI) for the input and every
swept strength. The rule (docs/methods.md, "Strength by what was removed"): the dry mixtures are
cut into N bins of coherence with about the same count each; in each bin the strength with the
largest mean J(s) = dESTOI + w * dSI-SDR/dB (w = 0.005: 1 dB is worth 0.005 ESTOI) among those
whose mean ESTOI gain is not negative (all of them if none is); then the strengths are made
non-increasing in coherence, and each bin becomes the point (its median coherence, its strength).
Prints the bins, the curve as X:S,... (for --strength-curve) and a JSON line for the card.

--cv: instead, the 2-fold cross-validated gains (20 random halvings of the validation mixtures:
fit on one half, score the other; a curve's strength is rounded to the nearest swept one) for
N = 3, 4 and 6 bins and for the best fixed strength, per SNR bucket: how to choose N.
"""
import argparse
import json
import random
import re
import statistics
import sys

FEATURE = "coherence"


def load(path):
    data = json.load(open(path))
    names = data.get("methods")
    if not names or "per_mixture" not in data:
        sys.exit("no strength sweep in %s (bench enhance --strengths ... --json)" % path)
    swept = []
    for k, n in enumerate(names):
        m = re.search(r" s=([0-9.]+)$", n)
        if m:
            swept.append((k, float(m.group(1))))
    mixtures = [m for m in data["per_mixture"]
                if FEATURE in m and "reverberant" not in m["groups"] and m["scores"][0] is not None
                and all(m["scores"][k] is not None for k, _ in swept)]
    return swept, mixtures


def gains(m, swept, s):
    k = min(swept, key=lambda ks: abs(ks[1] - s))[0]
    sc = m["scores"]
    return sc[k][0] - sc[0][0], sc[k][1] - sc[0][1]


def fit(mixtures, swept, bins, w, log=None):
    ms = sorted(mixtures, key=lambda m: m[FEATURE])
    n = len(ms)
    points = []
    for b in range(bins):
        part = ms[b * n // bins:(b + 1) * n // bins]
        rows = []
        for _, s in swept:
            g = [gains(m, swept, s) for m in part]
            dsi = statistics.fmean(x[0] for x in g)
            des = statistics.fmean(x[1] for x in g)
            rows.append((des + w * dsi, des, dsi, s))
        best = max([r for r in rows if r[1] >= 0] or rows)
        x = statistics.median(m[FEATURE] for m in part)
        if log:
            log("bin %d: %d mixtures, %s %.3f..%.3f (median %.3f): s=%.2f (dSI-SDR %+.2f dB, dESTOI %+.4f)"
                % (b, len(part), FEATURE, part[0][FEATURE], part[-1][FEATURE], x, best[3], best[2], best[1]))
        points.append([round(x, 3), best[3]])
    for i in range(1, len(points)):
        points[i][1] = min(points[i][1], points[i - 1][1])  # non-increasing in coherence
        if points[i][0] <= points[i - 1][0]:
            points[i][0] = round(points[i - 1][0] + 0.001, 3)
    return points


def at(points, x):
    if x <= points[0][0]:
        return points[0][1]
    for (x0, s0), (x1, s1) in zip(points, points[1:]):
        if x < x1:
            return s0 + (s1 - s0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def score(mixtures, swept, strength_of):
    groups = ["all", "snr 0", "snr 5", "snr 10", "snr 15", "snr 20"]
    out = {}
    for g in groups:
        ms = [m for m in mixtures if g == "all" or g in m["groups"]]
        if ms:
            gs = [gains(m, swept, strength_of(m)) for m in ms]
            out[g] = (statistics.fmean(x[0] for x in gs), statistics.fmean(x[1] for x in gs))
    return out


def show(name, o):
    print("%-16s " % name + "  ".join("%s %+.2f dB / %+.4f" % (k, v[0], v[1]) for k, v in o.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sweep")
    ap.add_argument("--bins", type=int, default=4)
    ap.add_argument("--w", type=float, default=0.005)
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--feature", default="coherence", choices=["coherence", "input_snr", "removed_snr"])
    ap.add_argument("--apply", metavar="SWEEP2",
                    help="also score the fitted curve (rounded to the swept strengths) and the fixed strengths on a "
                         "second sweep, e.g. the test split's (never fit on it)")
    a = ap.parse_args()
    global FEATURE
    FEATURE = a.feature
    swept, mixtures = load(a.sweep)
    if len(mixtures) < 2 * a.bins:
        sys.exit("too few dry mixtures (%d) for %d bins" % (len(mixtures), a.bins))
    if a.cv:
        best_fixed = max((s for _, s in swept),
                         key=lambda s: (lambda o: o["all"][1] + a.w * o["all"][0])(score(mixtures, swept, lambda m: s)))
        show("fixed s=%g" % best_fixed, score(mixtures, swept, lambda m: best_fixed))
        for bins in (3, 4, 6):
            acc = {}
            for rep in range(20):
                idx = list(range(len(mixtures)))
                random.Random(rep).shuffle(idx)
                half = len(idx) // 2
                A = [mixtures[i] for i in idx[:half]]
                B = [mixtures[i] for i in idx[half:]]
                for train, test in ((A, B), (B, A)):
                    pts = fit(train, swept, bins, a.w)
                    for k, v in score(test, swept, lambda m: at(pts, m[FEATURE])).items():
                        acc.setdefault(k, []).append(v)
            show("cv %d bins" % bins, {k: (statistics.fmean(x[0] for x in v), statistics.fmean(x[1] for x in v))
                                       for k, v in acc.items()})
        return
    pts = fit(mixtures, swept, a.bins, a.w, log=lambda s: print(s, file=sys.stderr))
    show("in-sample", score(mixtures, swept, lambda m: at(pts, m[FEATURE])))
    print(",".join("%g:%g" % (x, s) for x, s in pts))
    print(json.dumps({"strength_by_" + FEATURE: pts, "bins": a.bins, "w": a.w, "mixtures": len(mixtures)}))
    if a.apply:
        swept2, mixtures2 = load(a.apply)
        show("applied (%d)" % len(mixtures2), score(mixtures2, swept2, lambda m: at(pts, m[FEATURE])))
        for _, s in swept2:
            show("fixed s=%g" % s, score(mixtures2, swept2, lambda m, s=s: s))


if __name__ == "__main__":
    main()
