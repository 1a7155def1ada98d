"""Minimal stand-in for einops (rearrange/repeat/reduce) used only to *run* the
upstream IR-SDE / DA-CLIP architecture code for oracle fixtures.  Supports the
pattern grammar those files use: named axes, parenthesised groups, literal 1
and ().  Written for Reverie's oracle tooling; not a copy of einops."""
import math
import torch

__all__ = ["rearrange", "repeat", "reduce"]
__reverie_shim__ = True


def _parse_side(side):
    groups, cur, in_group = [], None, False
    for tok in side.replace("(", " ( ").replace(")", " ) ").split():
        if tok == "(":
            assert not in_group, "nested parentheses"
            cur, in_group = [], True
        elif tok == ")":
            assert in_group
            groups.append(cur)
            cur, in_group = None, False
        else:
            if in_group:
                cur.append(tok)
            else:
                groups.append([tok])
    assert not in_group, "unbalanced parentheses"
    # a literal '1' is an anonymous unit axis
    return [[a for a in g if a != "1"] for g in groups]


def _split(pattern):
    left, right = pattern.split("->")
    return _parse_side(left), _parse_side(right)


def _infer_sizes(groups, shape, sizes):
    assert len(groups) == len(shape), f"pattern rank {len(groups)} != tensor rank {len(shape)}"
    sizes = dict(sizes)
    for g, n in zip(groups, shape):
        unknown = [a for a in g if a not in sizes]
        known = math.prod(sizes[a] for a in g if a in sizes)
        if len(unknown) > 1:
            raise ValueError(f"cannot infer axes {unknown}")
        if unknown:
            assert n % known == 0
            sizes[unknown[0]] = n // known
        else:
            assert known == n, f"axis group {g} has size {n}, expected {known}"
    return sizes


def rearrange(x, pattern, /, **axes):
    lhs, rhs = _split(pattern)
    sizes = _infer_sizes(lhs, x.shape, axes)
    flat_l = [a for g in lhs for a in g]
    flat_r = [a for g in rhs for a in g]
    assert sorted(flat_l) == sorted(flat_r), f"axes differ in {pattern}"
    x = x.reshape([sizes[a] for a in flat_l])
    x = x.permute([flat_l.index(a) for a in flat_r])
    return x.reshape([math.prod(sizes[a] for a in g) for g in rhs])


def repeat(x, pattern, /, **axes):
    lhs, rhs = _split(pattern)
    sizes = _infer_sizes(lhs, x.shape, axes)
    flat_l = [a for g in lhs for a in g]
    flat_r = [a for g in rhs for a in g]
    x = x.reshape([sizes[a] for a in flat_l])
    missing = [a for a in flat_r if a not in flat_l and a not in sizes]
    assert not missing, f"repeat needs sizes for new axes {missing}"
    # put the old axes in output order, insert new ones as broadcast dims
    x = x.permute([flat_l.index(a) for a in flat_r if a in flat_l])
    view = [sizes[a] if a in flat_l else 1 for a in flat_r]
    x = x.reshape(view).expand([sizes[a] for a in flat_r])
    return x.reshape([math.prod(sizes[a] for a in g) for g in rhs])


def reduce(x, pattern, reduction, /, **axes):
    lhs, rhs = _split(pattern)
    sizes = _infer_sizes(lhs, x.shape, axes)
    flat_l = [a for g in lhs for a in g]
    flat_r = [a for g in rhs for a in g]
    x = x.reshape([sizes[a] for a in flat_l])
    gone = [i for i, a in enumerate(flat_l) if a not in flat_r]
    if gone:
        x = getattr(torch, {"mean": "mean", "sum": "sum", "max": "amax", "min": "amin"}[reduction])(x, dim=gone)
    kept = [a for a in flat_l if a in flat_r]
    x = x.permute([kept.index(a) for a in flat_r])
    return x.reshape([math.prod(sizes[a] for a in g) for g in rhs])
