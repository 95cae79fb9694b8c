"""The Merkle tree of RFC 9162 (§2.1): leaf and node hashing, the tree head, inclusion and consistency proofs.

Every subtree a proof needs is either a perfect subtree (2^level leaves starting at a multiple of 2^level), which
the log stores once as node (level, index), or the right edge of the tree, which folds O(log n) perfect subtrees.
So a proof is computed from O(log n) stored nodes, never from the leaves; functions here say which nodes they need
(`nodes_for`) and assemble the proof from a mapping of those nodes. Nothing here reads a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = SHA-256()

Node = tuple[int, int]  # (level, index): the perfect subtree of leaves [index·2^level, (index+1)·2^level)
Range = tuple[int, int]  # leaves [start, end)


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1), where RFC 9162 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def pieces(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up the range [start, end), largest first (start must be aligned as RFC 9162's
    recursion leaves it: every range a proof names is)."""
    out: list[Node] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def range_hash(start: int, end: int, nodes: Mapping[Node, bytes]) -> bytes:
    """MTH(D[start:end]) from stored perfect subtrees: the right-most pieces fold first, as MTH splits."""
    parts = pieces(start, end)
    value = nodes[parts[-1]]
    for part in reversed(parts[:-1]):
        value = node_hash(nodes[part], value)
    return value


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees of PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    out: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    return list(reversed(out))


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The subtrees of PROOF(old, D[0:new]) = SUBPROOF(old, D[0:new], true) (RFC 9162 §2.1.4.1), in proof order."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} to {new} leaves")
    if old in (0, new):
        return []
    out: list[Range] = []
    start, end, m, whole = 0, new, old, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                out.append((start, end))
            break
        k = _split(n)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, m, whole = start + k, m - k, False
    return list(reversed(out))


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    """Every stored node the given subtrees are made of."""
    return {piece for start, end in ranges for piece in pieces(start, end)}


def assemble(ranges: Sequence[Range], nodes: Mapping[Node, bytes]) -> list[bytes]:
    return [range_hash(start, end, nodes) for start, end in ranges]


def root_nodes(size: int) -> list[Node]:
    return pieces(0, size)


def root_from(size: int, nodes: Mapping[Node, bytes]) -> bytes:
    return EMPTY_ROOT if size == 0 else range_hash(0, size, nodes)


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------------------------


def _well_formed(proof: Sequence[bytes]) -> bool:
    return all(isinstance(p, bytes) and len(p) == HASH_SIZE for p in proof)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or None when the proof is malformed for this index and size."""
    if not 0 <= index < size or not _well_formed(proof) or len(leaf) != HASH_SIZE:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    return root_from_inclusion(index, size, leaf, proof) == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether `proof` shows the tree of `new` leaves with `new_root` extends the one of `old` leaves."""
    if not 0 <= old <= new or not _well_formed(proof):
        return False
    if old == 0:
        return not proof
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is itself a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# -- appending ------------------------------------------------------------------------------------------------


@dataclass
class Frontier:
    """The right edge of a growing tree (its perfect subtrees, largest first): enough to append and to get the
    root, in O(log n) memory. `append` returns the nodes each new leaf completes, for the log to store."""

    size: int = 0
    edge: list[tuple[int, bytes]] = field(default_factory=list)  # (level, hash)

    @classmethod
    def load(cls, size: int, nodes: Mapping[Node, bytes]) -> Frontier:
        return cls(size, [(level, nodes[(level, index)]) for level, index in root_nodes(size)])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        made = [(0, self.size, leaf)]
        self.edge.append((0, leaf))
        self.size += 1
        while len(self.edge) > 1 and self.edge[-1][0] == self.edge[-2][0]:
            level, right = self.edge.pop()
            _, left = self.edge.pop()
            combined = node_hash(left, right)
            self.edge.append((level + 1, combined))
            made.append((level + 1, (self.size >> (level + 1)) - 1, combined))
        return made

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_ROOT
        value = self.edge[-1][1]
        for _, h in reversed(self.edge[:-1]):
            value = node_hash(h, value)
        return value
