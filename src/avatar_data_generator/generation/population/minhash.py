"""Near-duplicate texts by MinHash (128 permutations over word shingles, LSH bands), in numpy."""

from __future__ import annotations

import functools
import re
import zlib
from typing import Any

from avatar_data_generator.generation.population.text import tokens

PERMUTATIONS = 128
BANDS, ROWS = 16, 8  # 16 bands of 8 rows: a pair at Jaccard 0.9 is a candidate with p > 0.999
THRESHOLD = 0.9
MAX_TEXTS = 100_000  # texts kept for the comparison (about 270 bytes each)
_PRIME = (1 << 61) - 1
_ALNUM = re.compile(r"[^\W_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def shingles(text: str) -> list[str]:
    """Folded words; runs of CJK characters become character bigrams (no spaces there)."""
    out: list[str] = []
    for word in tokens(text):
        if _CJK.search(word) and len(word) > 2:
            out.extend(word[i : i + 2] for i in range(len(word) - 1))
        else:
            out.append(word)
    return out


@functools.cache
def _permutations() -> tuple[Any, Any]:
    """The hash permutations, fixed so that the same texts give the same result."""
    import numpy as np

    rng = np.random.RandomState(1)
    a = rng.randint(1, _PRIME, size=PERMUTATIONS, dtype=np.uint64)
    b = rng.randint(0, _PRIME, size=PERMUTATIONS, dtype=np.uint64)
    return a, b


class NearDuplicates:
    """Collects MinHash signatures of texts, then finds texts with a near-duplicate elsewhere."""

    def __init__(self) -> None:
        self._sigs: list[Any] = []
        self._owners: list[int] = []
        # The texts of the first owner, hashed only once another owner's come: a task of one
        # persona has nothing to compare, and its report skips the hashing.
        self._held: list[tuple[int, str]] = []
        self.texts = 0
        self.skipped = 0

    def add(self, texts: list[tuple[int, str]]) -> None:
        """Add (owner, text) pairs; texts of the same owner are never compared with each other."""
        if not self._owners:
            first = self._held[0][0] if self._held else texts[0][0] if texts else None
            if all(owner == first for owner, _ in texts):
                self._held.extend(texts)
                return
            texts, self._held = [*self._held, *texts], []
        self._hash(texts)

    def _hash(self, texts: list[tuple[int, str]]) -> None:
        import numpy as np

        a, b = _permutations()
        hashes: list[int] = []
        starts: list[int] = []
        owners: list[int] = []
        for owner, text in texts:
            if self.texts + len(owners) >= MAX_TEXTS:
                self.skipped += 1
                continue
            words = set(shingles(text))
            if not words:
                continue
            starts.append(len(hashes))
            owners.append(owner)
            hashes.extend(zlib.crc32(w.encode("utf-8")) for w in words)
        if not owners:
            return
        values = np.array(hashes, dtype=np.uint64)
        sig = np.empty((len(owners), PERMUTATIONS), dtype=np.uint64)
        bounds = [*starts, len(hashes)]
        step = 4096  # tokens per block: bounded memory (4096 x 128 x 8 bytes)
        doc = 0
        while doc < len(owners):
            end = doc
            while end < len(owners) and bounds[end + 1] - bounds[doc] <= step:
                end += 1
            end = max(end, doc + 1)
            block = values[bounds[doc] : bounds[end]]
            mixed = (block[:, None] * a[None, :] + b[None, :]) % _PRIME
            mixed &= np.uint64(0xFFFFFFFF)
            offsets = np.array(bounds[doc:end], dtype=np.int64) - bounds[doc]
            sig[doc:end] = np.minimum.reduceat(mixed, offsets, axis=0)
            doc = end
        self._sigs.append(sig.astype(np.uint16))  # 16 bits per slot are enough to compare
        self._owners.extend(owners)
        self.texts += len(owners)

    def duplicated(self) -> int:
        """Number of texts with a near-duplicate (estimated Jaccard >= 0.9) of another owner."""
        import numpy as np

        if self._held:  # one owner's texts only: counted, but nothing to compare them with
            for _, text in self._held:
                if self.texts >= MAX_TEXTS:
                    self.skipped += 1
                elif _ALNUM.search(text) or tokens(text):  # a letter or digit is a word
                    self.texts += 1
            self._held = []
        if not self._sigs:
            return 0
        sig = np.concatenate(self._sigs)
        owners = np.array(self._owners)
        marked = np.zeros(len(sig), dtype=bool)
        for band in range(BANDS):
            part = np.ascontiguousarray(sig[:, band * ROWS : (band + 1) * ROWS])
            keys = part.view(np.dtype((np.void, part.dtype.itemsize * ROWS))).ravel()
            _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
            for group in np.nonzero(counts > 1)[0]:
                members = np.nonzero(inverse == group)[0][:50]
                self._compare(sig, owners, members, marked)
        return int(marked.sum())

    def _compare(self, sig: Any, owners: Any, members: Any, marked: Any) -> None:
        """Mark the members of one LSH bucket that are near-duplicates of another owner's text."""
        block = sig[members]
        same = (block[:, None, :] == block[None, :, :]).mean(axis=2) >= THRESHOLD
        other = owners[members][:, None] != owners[members][None, :]
        hit = (same & other).any(axis=1)
        marked[members[hit]] = True
