"""The growing tree and its consistency proofs (RFC 9162 §2.1.4), against the RFC's own definitions computed from all
the leaves: every pair of sizes up to 40, and every way a history can be rewritten under a witnessed head."""

from __future__ import annotations

import hashlib

import pytest

from domain.audit.tree import consistency_proof, consistent, extended, frontier_root, node, root_of

LEAVES = [hashlib.sha256(f"leaf-{i}".encode()).hexdigest() for i in range(40)]


def rfc_proof(m: int, leaves: list[str], whole: bool = True) -> list[str]:
    """RFC 9162 §2.1.4.1 SUBPROOF, from every leaf."""
    n = len(leaves)
    if m == n:
        return [] if whole else [root_of(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*rfc_proof(m, leaves[:k], whole), root_of(leaves[k:])]
    return [*rfc_proof(m - k, leaves[k:], False), root_of(leaves[:k])]


def head(n: int, leaves: list[str] = LEAVES) -> tuple[list[str], str]:
    frontier, size = extended([], 0, leaves[:n])
    assert size == n
    return frontier, frontier_root(frontier)


@pytest.mark.parametrize("n", range(1, 41))
def test_a_head_built_from_the_previous_one_is_the_tree_of_all_its_leaves(n: int) -> None:
    _frontier, root = head(n)
    assert root == root_of(LEAVES[:n])
    for m in range(n):  # in two steps, from any earlier head
        earlier, _ = head(m)
        assert frontier_root(extended(earlier, m, LEAVES[m:n])[0]) == root


@pytest.mark.parametrize("n", range(2, 41))
def test_a_proof_from_the_frontier_is_the_rfc_s_proof_and_verifies(n: int) -> None:
    new_root = root_of(LEAVES[:n])
    for m in range(1, n):
        frontier, old_root = head(m)
        proof = consistency_proof(m, frontier, LEAVES[m:n])
        assert proof == rfc_proof(m, LEAVES[:n])
        assert consistent(m, old_root, n, new_root, proof)
        assert not consistent(m, old_root, n, root_of([*LEAVES[: n - 1], "f" * 64]), proof)  # another new tree
        assert not consistent(m, node(old_root, old_root), n, new_root, proof)  # another old tree


def test_a_rewritten_past_has_no_proof_from_the_witnessed_head() -> None:
    frontier, witnessed = head(17)
    rewritten = list(LEAVES)
    rewritten[5] = hashlib.sha256(b"changed").hexdigest()
    for history in (rewritten[:30], LEAVES[:4] + LEAVES[5:31], [*LEAVES[:10], "0" * 64, *LEAVES[10:29]]):
        new_root = root_of(history)
        honest_looking = consistency_proof(17, frontier, history[17:])  # what a rewriter can build from our head
        assert not consistent(17, witnessed, len(history), new_root, honest_looking)
        assert not consistent(17, witnessed, len(history), new_root, rfc_proof(17, history))


def test_empty_and_equal_trees() -> None:
    _, root = head(5)
    assert consistent(0, root_of([]), 5, root, [])
    assert consistent(5, root, 5, root, []) and not consistent(5, root, 5, root_of(LEAVES[:6]), [])
    assert not consistent(6, root, 5, root, ["x"])
