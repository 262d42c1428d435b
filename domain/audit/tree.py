"""The store's growing Merkle tree (RFC 9162 §2.1, as in Certificate Transparency) and its consistency proofs.

Each checkpoint also signs the head of one tree over every event stored so far: its size (the number of leaves)
and its root. A consistency proof shows that the tree of a later head holds the tree of an earlier one unchanged
as its first leaves (§2.1.4): a witness that kept only the earlier head can then check that nothing before it was
removed, inserted or changed, without reading the store. The leaves are the checkpoints' leaves
(``domain.audit.checkpoints.leaf``); inner nodes are ``node(left, right)``, and a tree of n leaves splits at the
largest power of two below n (RFC 9162 §2.1.1), so a head is built from the previous head's right border (its
"frontier": the roots of the perfect subtrees that make up its leaves, largest first) and the new leaves alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

EMPTY_ROOT = hashlib.sha256(b"empty").hexdigest()


def node(left: str, right: str) -> str:
    return hashlib.sha256(f"node:{left}{right}".encode()).hexdigest()


def _split(n: int) -> int:
    """The largest power of two below ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: list[str]) -> str:
    """The tree's root over ``leaves`` (RFC 9162 MTH), computed from the leaves themselves."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node(root_of(leaves[:k]), root_of(leaves[k:]))


def sizes(n: int) -> list[int]:
    """The sizes of the perfect subtrees that make up a tree of ``n`` leaves, largest first (n's binary digits)."""
    return [1 << b for b in range(n.bit_length() - 1, -1, -1) if n >> b & 1]


def extended(frontier: list[str], size: int, leaves: Iterable[str]) -> tuple[list[str], int]:
    """The frontier and size of the tree after appending ``leaves`` to a tree of ``size`` leaves."""
    hashes, counts = list(frontier), sizes(size)
    assert len(hashes) == len(counts), "a frontier holds one root per binary digit of its size"
    for leaf in leaves:
        hashes.append(leaf)
        counts.append(1)
        while len(counts) > 1 and counts[-1] == counts[-2]:
            right, left = hashes.pop(), hashes.pop()
            counts[-2:] = [counts[-2] * 2]
            hashes.append(node(left, right))
        size += 1
    return hashes, size


def frontier_root(frontier: list[str]) -> str:
    """A tree's root from its frontier: the perfect subtrees folded from the right (RFC 9162 MTH)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node(left, root)
    return root


def consistency_proof(old_size: int, old_frontier: list[str], new_leaves: list[str]) -> list[str]:
    """The proof that the tree of ``old_size`` leaves (known by its frontier) is the start of the tree that adds
    ``new_leaves`` (RFC 9162 §2.1.4.1), computed from the frontier and the new leaves only."""
    n = old_size + len(new_leaves)
    starts, offset = {}, 0
    for size, h in zip(sizes(old_size), old_frontier, strict=True):
        starts[(offset, offset + size)] = h
        offset += size

    def subtree(lo: int, hi: int) -> str:
        """MTH of the leaves [lo, hi): an old range that the frontier tiles, a new range, or split."""
        if lo >= old_size:
            return root_of(new_leaves[lo - old_size : hi - old_size])
        if (lo, hi) in starts:
            return starts[(lo, hi)]
        tiles, at = [], lo
        while at < hi and hi <= old_size:
            found = next(((a, b) for (a, b) in starts if a == at and b <= hi), None)
            if found is None:
                break
            tiles.append(starts[found])
            at = found[1]
        if at == hi and tiles:
            return frontier_root(tiles)
        assert hi > old_size, "a consistency proof needs of the old tree only the subtrees of its frontier"
        k = _split(hi - lo)
        return node(subtree(lo, lo + k), subtree(lo + k, hi))

    def sub(m: int, lo: int, hi: int, whole: bool) -> list[str]:
        size = hi - lo
        if m == size:
            return [] if whole else [subtree(lo, hi)]
        k = _split(size)
        if m <= k:
            return [*sub(m, lo, lo + k, whole), subtree(lo + k, hi)]
        return [*sub(m - k, lo + k, hi, False), subtree(lo, lo + k)]

    if old_size == 0 or old_size == n:
        return []
    return sub(old_size, 0, n, True)


def consistent(old_size: int, old_root: str, new_size: int, new_root: str, proof: list[str],
               hash_node: Callable[[str, str], str] = node) -> bool:  # fmt: skip
    """Whether ``proof`` shows the tree (old_size, old_root) to be the start of (new_size, new_root) (RFC 9162
    §2.1.4.2). An empty tree is the start of every tree; a tree is consistent with itself alone."""
    if old_size == 0:
        return not proof
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size > new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = hash_node(c, fr), hash_node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = hash_node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0
