"""Write a full-scale synthetic ECCO release, in the real parquet flavour, for benchmarks and load tests.

The real release is 51,626 pairs over 1,387 problems with ~23 tests each. Nobody should need to download
it to find out whether an import, a table view or a test-run queue copes with that size, so this module
writes a release of the same shape and scale in a few seconds:

    edit/{train,val,test}-00000-of-00001.parquet          problem_id, input, target
    generate/{train,val,test}-00000-of-00001.parquet      problem_id, problem_description, fastest_code
    generate_eval/{train,test}-00000-of-00001.parquet     problem_id, runtimes list<double>, memories list<double>
    test_cases/<pid>/input.<k>.txt, output.<k>.txt         private tests
    public_test_cases/<pid>/input.<k>.txt, output.<k>.txt  public tests (the statement's samples)

The data is not random noise. Every problem belongs to one of a few task families (sum of multiples,
counting primes, longest increasing subsequence, …); its programs are rendered from slow and fast templates
of that family with varied names, input styles, boilerplate and comments, so they are distinct, a few
hundred bytes to 2 KB like real submissions, and *correct*: every program prints the expected output of
every test of its problem. Expected outputs come from a reference solver, so a synthetic release can also
drive a real test-run at scale. Everything is deterministic under `seed`.
"""

from __future__ import annotations

import bisect
import math
import os
import random
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from ecco_tui.store.store import Store

__all__ = ["FAMILIES", "OUTPUT_KINDS", "SPLIT_SHARES", "SynthRuns", "SynthSummary", "add_synthetic_runs", "main",
           "write_synthetic_release"]

ProgressFn = Callable[[int, int], None]

# The paper's Table 1: (problems, pairs) per split. Requested counts are scaled in these proportions.
SPLIT_SHARES: dict[str, tuple[int, int]] = {"train": (1262, 48386), "val": (69, 2359), "test": (56, 881)}
EVAL_SPLITS = ("train", "test")  # the release has no generate_eval for val
OWN_DIRS = ("edit", "generate", "generate_eval", "test_cases", "public_test_cases")
PARQUET_NAME = "{split}-00000-of-00001.parquet"


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What was written, so the caller can print it and a benchmark can relate time to volume."""

    dest: Path
    problems: dict[str, int]
    pairs: dict[str, int]
    private_tests: int
    public_tests: int
    files: int
    bytes: int
    seconds: float

    def __str__(self) -> str:
        per = ", ".join(f"{s} {self.problems[s]}/{self.pairs[s]}" for s in self.problems)
        return (
            f"{sum(self.pairs.values()):,} pairs over {sum(self.problems.values()):,} problems "
            f"(problems/pairs: {per}), {self.private_tests}+{self.public_tests} tests per problem, "
            f"{self.files:,} files, {self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s"
        )


# --------------------------------------------------------------------------------------------------------
# Task families. A template is a program core with placeholders: $n $arr $res $i $j (variable names) and
# $read (an expression that reads one line). Families keep their test inputs small enough that even the
# slow templates finish in milliseconds, so a synthetic release is cheap to execute.


def _ints(xs: Iterable[int]) -> str:
    return " ".join(map(str, xs))


@dataclass(frozen=True)
class Family:
    """One kind of task: how its inputs look, how to solve them, and how people write it slowly and fast."""

    key: str
    title: str
    statement: str
    generate: Callable[[random.Random, bool], str]
    solve: Callable[[str], str]
    slow: tuple[str, ...]
    fast: tuple[str, ...]


def _gen_multiples(rng: random.Random, small: bool) -> str:
    n = rng.randint(1, 60) if small else rng.randint(1, 30_000)
    return f"{n} {rng.randint(1, 12)} {rng.randint(1, 40)}\n"


def _solve_multiples(text: str) -> str:
    n, a, b = map(int, text.split())

    def tri(k: int) -> int:
        m = (n - 1) // k
        return k * m * (m + 1) // 2

    return f"{tri(a) + tri(b) - tri(a // math.gcd(a, b) * b)}\n"


_PRIME_LIMIT = 6000
_PRIME_COUNT: list[int] = []


def _prime_counts() -> list[int]:
    """π(x) for every x up to the families' limit, computed once: tests ask for thousands of values."""
    if not _PRIME_COUNT:
        sieve = bytearray([1]) * (_PRIME_LIMIT + 1)
        sieve[0] = sieve[1] = 0
        for i in range(2, math.isqrt(_PRIME_LIMIT) + 1):
            if sieve[i]:
                sieve[i * i :: i] = bytes(len(range(i * i, _PRIME_LIMIT + 1, i)))
        running = 0
        for flag in sieve:
            running += flag
            _PRIME_COUNT.append(running)
    return _PRIME_COUNT


def _gen_primes(rng: random.Random, small: bool) -> str:
    return f"{rng.randint(1, 100) if small else rng.randint(1, _PRIME_LIMIT)}\n"


def _solve_primes(text: str) -> str:
    return f"{_prime_counts()[int(text)]}\n"


def _gen_seq(lo: int, hi: int, n_small: int, n_big: int) -> Callable[[random.Random, bool], str]:
    def gen(rng: random.Random, small: bool) -> str:
        n = rng.randint(1, n_small) if small else rng.randint(1, n_big)
        top = rng.choice((hi, max(lo + 1, hi // 1000), lo + 5))
        return f"{n}\n{_ints(rng.randint(lo, top) for _ in range(n))}\n"

    return gen


def _seq(text: str) -> list[int]:
    head, _, rest = text.partition("\n")
    return list(map(int, rest.split()))[: int(head)]


def _solve_lis(text: str) -> str:
    tails: list[int] = []
    for v in _seq(text):
        pos = bisect.bisect_left(tails, v)
        if pos == len(tails):
            tails.append(v)
        else:
            tails[pos] = v
    return f"{len(tails)}\n"


def _gen_pairs(rng: random.Random, small: bool) -> str:
    n = rng.randint(2, 8) if small else rng.randint(2, 150)
    top = rng.choice((10, 100, 10**9))
    k = rng.randint(2, 2 * top)
    return f"{n} {k}\n{_ints(rng.randint(1, top) for _ in range(n))}\n"


def _solve_pairs(text: str) -> str:
    first, _, rest = text.partition("\n")
    n, k = map(int, first.split())
    seen: dict[int, int] = {}
    total = 0
    for v in map(int, rest.split()[:n]):
        total += seen.get(k - v, 0)
        seen[v] = seen.get(v, 0) + 1
    return f"{total}\n"


def _gen_ranges(rng: random.Random, small: bool) -> str:
    n = rng.randint(1, 6) if small else rng.randint(1, 120)
    q = rng.randint(1, 4) if small else rng.randint(1, 120)
    lines = [f"{n} {q}", _ints(rng.randint(-(10**9), 10**9) for _ in range(n))]
    for _ in range(q):
        left = rng.randint(1, n)
        lines.append(f"{left} {rng.randint(left, n)}")
    return "\n".join(lines) + "\n"


def _solve_ranges(text: str) -> str:
    data = text.split()
    n, q = int(data[0]), int(data[1])
    pre = [0]
    for v in data[2 : 2 + n]:
        pre.append(pre[-1] + int(v))
    out = []
    for t in range(q):
        left, right = int(data[2 + n + 2 * t]), int(data[3 + n + 2 * t])
        out.append(str(pre[right] - pre[left - 1]))
    return "\n".join(out) + "\n"


_SYLLABLES = ("ka", "to", "ri", "ne", "mo", "su", "ha", "yu", "pe", "lo", "zi", "an", "ex", "or")


def _gen_words(rng: random.Random, small: bool) -> str:
    n = rng.randint(1, 6) if small else rng.randint(1, 200)
    vocab = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, n))]
    return f"{n}\n{' '.join(rng.choice(vocab) for _ in range(n))}\n"


def _solve_words(text: str) -> str:
    head, _, rest = text.partition("\n")
    return " ".join(dict.fromkeys(rest.split()[: int(head)])) + "\n"


def _solve_max_subarray(text: str) -> str:
    best = cur = None
    for v in _seq(text):
        cur = v if cur is None or cur < 0 else cur + v
        best = cur if best is None or cur > best else best
    return f"{best}\n"


def _solve_distinct(text: str) -> str:
    return f"{len(set(_seq(text)))}\n"


def _solve_inversions(text: str) -> str:
    a = _seq(text)
    ranks = {v: r for r, v in enumerate(sorted(set(a)), start=1)}
    tree = [0] * (len(ranks) + 1)
    inv = 0
    for seen, v in enumerate(a):
        r = ranks[v]
        i, le = r, 0
        while i:
            le += tree[i]
            i -= i & -i
        inv += seen - le
        i = r
        while i < len(tree):
            tree[i] += 1
            i += i & -i
    return f"{inv}\n"


def _gen_fib(rng: random.Random, small: bool) -> str:
    return f"{rng.randint(0, 30) if small else rng.randint(0, 3000)}\n"


def _solve_fib(text: str) -> str:
    a, b = 0, 1
    for _ in range(int(text)):
        a, b = b, (a + b) % 1_000_000_007
    return f"{a}\n"


_SEQ_INPUT = "N\nA_1 A_2 ... A_N"

FAMILIES: tuple[Family, ...] = (
    Family(
        "multiples",
        "Sum of Multiples",
        "You are given integers N, A and B. Print the sum of all positive integers less than N that are "
        "divisible by A or by B.\nConstraints\n1 \\leq N \\leq 3 \\times 10^4\n1 \\leq A, B \\leq 40\n"
        "Input\nInput is given from Standard Input in the following format:\nN A B\nOutput\nPrint the sum.",
        _gen_multiples,
        _solve_multiples,
        slow=(
            "$n, x, y = map(int, $read.split())\n$res = 0\nfor $i in range(1, $n):\n"
            "    if $i % x == 0 or $i % y == 0:\n        $res += $i\nprint($res)\n",
            "$n, x, y = map(int, $read.split())\n$arr = set(range(x, $n, x)) | set(range(y, $n, y))\n"
            "print(sum($arr))\n",
        ),
        fast=(
            "from math import gcd\n$n, x, y = map(int, $read.split())\n\n\ndef tri(k):\n    m = ($n - 1) // k\n"
            "    return k * m * (m + 1) // 2\n\n\nprint(tri(x) + tri(y) - tri(x // gcd(x, y) * y))\n",
            "import math\n$n, x, y = map(int, $read.split())\nlcm = x * y // math.gcd(x, y)\n"
            "$res = sum(range(x, $n, x)) + sum(range(y, $n, y)) - sum(range(lcm, $n, lcm))\nprint($res)\n",
        ),
    ),
    Family(
        "primes",
        "Counting Primes",
        "Given an integer N, print the number of primes less than or equal to N.\nConstraints\n"
        "1 \\leq N \\leq 6000\nInput\nInput is given from Standard Input in the following format:\nN\n"
        "Output\nPrint the number of primes p with p \\leq N.",
        _gen_primes,
        _solve_primes,
        slow=(
            "$n = int($read)\n$res = 0\nfor x in range(2, $n + 1):\n    d = 2\n    while d * d <= x:\n"
            "        if x % d == 0:\n            break\n        d += 1\n    else:\n        $res += 1\nprint($res)\n",
            "$n = int($read)\n$arr = [True] * ($n + 1)\n$arr[0] = False\n$arr[1] = False\n$i = 2\n"
            "while $i * $i <= $n:\n    if $arr[$i]:\n        for $j in range($i * $i, $n + 1, $i):\n"
            "            $arr[$j] = False\n    $i += 1\nprint(sum($arr))\n",
        ),
        fast=(
            "$n = int($read)\nif $n < 2:\n    print(0)\nelse:\n    $arr = bytearray([1]) * ($n + 1)\n"
            "    $arr[0] = $arr[1] = 0\n    for $i in range(2, int($n ** 0.5) + 1):\n        if $arr[$i]:\n"
            "            $arr[$i * $i::$i] = bytes(len(range($i * $i, $n + 1, $i)))\n    print($arr.count(1))\n",
            "$n = int($read)\n$arr = [1] * ($n + 1)\n$arr[0] = 0\n$arr[1] = 0\n"
            "for $i in range(2, int($n ** 0.5) + 1):\n    if $arr[$i]:\n"
            "        $arr[$i * $i::$i] = [0] * len($arr[$i * $i::$i])\nprint(sum($arr))\n",
        ),
    ),
    Family(
        "lis",
        "Longest Increasing Subsequence",
        "Given a sequence A of N integers, print the length of its longest strictly increasing "
        "subsequence.\nConstraints\n1 \\leq N \\leq 150\n1 \\leq A_i \\leq 10^9\nInput\nInput is given from "
        f"Standard Input in the following format:\n{_SEQ_INPUT}\nOutput\nPrint the length.",
        _gen_seq(1, 10**9, 8, 150),
        _solve_lis,
        slow=(
            "$n = int($read)\n$arr = list(map(int, $read.split()))\ndp = [1] * $n\nfor $i in range($n):\n"
            "    for $j in range($i):\n        if $arr[$j] < $arr[$i] and dp[$j] + 1 > dp[$i]:\n"
            "            dp[$i] = dp[$j] + 1\nprint(max(dp))\n",
            "$n = int($read)\n$arr = list(map(int, $read.split()))\ndp = []\nfor $i in range($n):\n"
            "    best = max([dp[$j] for $j in range($i) if $arr[$j] < $arr[$i]], default=0)\n"
            "    dp.append(best + 1)\nprint(max(dp))\n",
        ),
        fast=(
            "from bisect import bisect_left\n$n = int($read)\n$arr = list(map(int, $read.split()))\ntails = []\n"
            "for v in $arr:\n    pos = bisect_left(tails, v)\n    if pos == len(tails):\n        tails.append(v)\n"
            "    else:\n        tails[pos] = v\nprint(len(tails))\n",
            "import bisect\n$n = int($read)\n$arr = list(map(int, $read.split()))\nd = [$arr[0]]\n"
            "for v in $arr[1:]:\n    if v > d[-1]:\n        d.append(v)\n    else:\n"
            "        d[bisect.bisect_left(d, v)] = v\nprint(len(d))\n",
        ),
    ),
    Family(
        "pairs",
        "Pairs with Given Sum",
        "Given N integers A_i and an integer K, count the pairs of indices i < j with A_i + A_j = K.\n"
        "Constraints\n2 \\leq N \\leq 150\n1 \\leq A_i \\leq 10^9\nInput\nInput is given from Standard Input "
        "in the following format:\nN K\nA_1 A_2 ... A_N\nOutput\nPrint the number of pairs.",
        _gen_pairs,
        _solve_pairs,
        slow=(
            "$n, k = map(int, $read.split())\n$arr = list(map(int, $read.split()))\n$res = 0\n"
            "for $i in range($n):\n    for $j in range($i + 1, $n):\n        if $arr[$i] + $arr[$j] == k:\n"
            "            $res += 1\nprint($res)\n",
            "$n, k = map(int, $read.split())\n$arr = list(map(int, $read.split()))\n$res = 0\n"
            "for $i in range($n):\n    $res += $arr[$i + 1:].count(k - $arr[$i])\nprint($res)\n",
        ),
        fast=(
            "$n, k = map(int, $read.split())\n$arr = list(map(int, $read.split()))\nseen = {}\n$res = 0\n"
            "for v in $arr:\n    $res += seen.get(k - v, 0)\n    seen[v] = seen.get(v, 0) + 1\nprint($res)\n",
            "from collections import Counter\n$n, k = map(int, $read.split())\n"
            "c = Counter(map(int, $read.split()))\n$res = 0\nfor v, cv in c.items():\n    w = k - v\n"
            "    if v < w:\n        $res += cv * c.get(w, 0)\n    elif v == w:\n        $res += cv * (cv - 1) // 2\n"
            "print($res)\n",
        ),
    ),
    Family(
        "ranges",
        "Range Sum Queries",
        "Given N integers A_i and Q queries (l, r), print A_l + ... + A_r for each query.\nConstraints\n"
        "1 \\leq N, Q \\leq 120\n-10^9 \\leq A_i \\leq 10^9\n1 \\leq l \\leq r \\leq N\nInput\nInput is given "
        "from Standard Input in the following format:\nN Q\nA_1 A_2 ... A_N\nl_1 r_1\n:\nl_Q r_Q\nOutput\n"
        "Print Q lines, the answers in order.",
        _gen_ranges,
        _solve_ranges,
        slow=(
            "$n, q = map(int, $read.split())\n$arr = list(map(int, $read.split()))\nfor _ in range(q):\n"
            "    l, r = map(int, $read.split())\n    s = 0\n    for $i in range(l - 1, r):\n        s += $arr[$i]\n"
            "    print(s)\n",
            "$n, q = map(int, $read.split())\n$arr = list(map(int, $read.split()))\nfor _ in range(q):\n"
            "    l, r = map(int, $read.split())\n    print(sum($arr[l - 1:r]))\n",
        ),
        fast=(
            "from itertools import accumulate\n$n, q = map(int, $read.split())\n"
            "pre = [0] + list(accumulate(map(int, $read.split())))\n$res = []\nfor _ in range(q):\n"
            "    l, r = map(int, $read.split())\n    $res.append(pre[r] - pre[l - 1])\n"
            "print('\\n'.join(map(str, $res)))\n",
            "$n, q = map(int, $read.split())\n$arr = list(map(int, $read.split()))\npre = [0] * ($n + 1)\n"
            "for $i in range($n):\n    pre[$i + 1] = pre[$i] + $arr[$i]\n$res = []\nfor _ in range(q):\n"
            "    l, r = map(int, $read.split())\n    $res.append(str(pre[r] - pre[l - 1]))\nprint('\\n'.join($res))\n",
        ),
    ),
    Family(
        "words",
        "Distinct Words",
        "Given N words, print the distinct words in order of first appearance, separated by spaces.\n"
        "Constraints\n1 \\leq N \\leq 200\nInput\nInput is given from Standard Input in the following format:\n"
        "N\nW_1 W_2 ... W_N\nOutput\nPrint the distinct words on one line.",
        _gen_words,
        _solve_words,
        slow=(
            "$n = int($read)\n$arr = $read.split()\n$res = []\nfor w in $arr:\n    if w not in $res:\n"
            "        $res.append(w)\nprint(' '.join($res))\n",
            "$n = int($read)\n$arr = $read.split()\n"
            "print(*[$arr[$i] for $i in range($n) if $arr.index($arr[$i]) == $i])\n",
        ),
        fast=(
            "$n = int($read)\nprint(' '.join(dict.fromkeys($read.split())))\n",
            "$n = int($read)\n$arr = $read.split()\nseen = set()\n$res = []\nfor w in $arr:\n"
            "    if w not in seen:\n        seen.add(w)\n        $res.append(w)\nprint(' '.join($res))\n",
        ),
    ),
    Family(
        "maxsub",
        "Maximum Subarray Sum",
        "Given a sequence of N integers, print the largest sum of a non-empty contiguous subarray.\n"
        "Constraints\n1 \\leq N \\leq 150\n-10^9 \\leq A_i \\leq 10^9\nInput\nInput is given from Standard "
        f"Input in the following format:\n{_SEQ_INPUT}\nOutput\nPrint the largest sum.",
        _gen_seq(-(10**9), 10**9, 8, 150),
        _solve_max_subarray,
        slow=(
            "$n = int($read)\n$arr = list(map(int, $read.split()))\n$res = -10 ** 18\nfor $i in range($n):\n"
            "    s = 0\n    for $j in range($i, $n):\n        s += $arr[$j]\n        if s > $res:\n"
            "            $res = s\nprint($res)\n",
            "$n = int($read)\n$arr = list(map(int, $read.split()))\npre = [0]\nfor v in $arr:\n"
            "    pre.append(pre[-1] + v)\n"
            "print(max(pre[$j] - pre[$i] for $i in range($n) for $j in range($i + 1, $n + 1)))\n",
        ),
        fast=(
            "$n = int($read)\n$arr = list(map(int, $read.split()))\nbest = cur = $arr[0]\nfor v in $arr[1:]:\n"
            "    cur = max(v, cur + v)\n    best = max(best, cur)\nprint(best)\n",
            "$n = int($read)\n$arr = list(map(int, $read.split()))\n$res = -10 ** 18\nlow = 0\ns = 0\n"
            "for v in $arr:\n    s += v\n    if s - low > $res:\n        $res = s - low\n    if s < low:\n"
            "        low = s\nprint($res)\n",
        ),
    ),
    Family(
        "distinct",
        "Number of Distinct Values",
        "Given N integers, print how many different values they contain.\nConstraints\n1 \\leq N \\leq 150\n"
        f"1 \\leq A_i \\leq 10^9\nInput\nInput is given from Standard Input in the following format:\n{_SEQ_INPUT}\n"
        "Output\nPrint the number of distinct values.",
        _gen_seq(1, 10**9, 8, 150),
        _solve_distinct,
        slow=(
            "$n = int($read)\n$arr = list(map(int, $read.split()))\nseen = []\nfor v in $arr:\n"
            "    if v not in seen:\n        seen.append(v)\nprint(len(seen))\n",
            "$n = int($read)\n$arr = list(map(int, $read.split()))\n$res = 0\nfor $i in range($n):\n"
            "    if $arr[$i] not in $arr[:$i]:\n        $res += 1\nprint($res)\n",
        ),
        fast=(
            "$n = int($read)\nprint(len(set($read.split())))\n",
            "$n = int($read)\n$arr = sorted(map(int, $read.split()))\n"
            "$res = 1 + sum(1 for $i in range(1, $n) if $arr[$i] != $arr[$i - 1])\nprint($res)\n",
        ),
    ),
    Family(
        "inversions",
        "Counting Inversions",
        "Given a sequence of N integers, print the number of pairs i < j with A_i > A_j.\nConstraints\n"
        "1 \\leq N \\leq 150\n1 \\leq A_i \\leq 10^9\nInput\nInput is given from Standard Input in the following "
        f"format:\n{_SEQ_INPUT}\nOutput\nPrint the number of inversions.",
        _gen_seq(1, 10**9, 8, 150),
        _solve_inversions,
        slow=(
            "$n = int($read)\n$arr = list(map(int, $read.split()))\n$res = 0\nfor $i in range($n):\n"
            "    for $j in range($i + 1, $n):\n        if $arr[$i] > $arr[$j]:\n            $res += 1\nprint($res)\n",
            "$n = int($read)\n$arr = list(map(int, $read.split()))\n"
            "print(sum(sum(1 for v in $arr[$i + 1:] if v < $arr[$i]) for $i in range($n)))\n",
        ),
        fast=(
            "$n = int($read)\n$arr = list(map(int, $read.split()))\n"
            "rank = {v: r for r, v in enumerate(sorted(set($arr)), 1)}\ntree = [0] * (len(rank) + 1)\n$res = 0\n"
            "for $i, v in enumerate($arr):\n    r = rank[v]\n    le = 0\n    while r:\n        le += tree[r]\n"
            "        r -= r & -r\n    $res += $i - le\n    r = rank[v]\n    while r < len(tree):\n"
            "        tree[r] += 1\n        r += r & -r\nprint($res)\n",
            "def count(xs):\n    if len(xs) < 2:\n        return xs, 0\n    mid = len(xs) // 2\n"
            "    left, cl = count(xs[:mid])\n    right, cr = count(xs[mid:])\n    merged = []\n    inv = cl + cr\n"
            "    p = q = 0\n    while p < len(left) and q < len(right):\n        if right[q] < left[p]:\n"
            "            merged.append(right[q])\n            inv += len(left) - p\n            q += 1\n        else:\n"
            "            merged.append(left[p])\n            p += 1\n    merged += left[p:]\n    merged += right[q:]\n"
            "    return merged, inv\n\n\n$n = int($read)\n$arr = list(map(int, $read.split()))\n"
            "print(count($arr)[1])\n",
        ),
    ),
    Family(
        "fib",
        "Fibonacci Modulo",
        "Let F_0 = 0, F_1 = 1 and F_i = F_{i-1} + F_{i-2}. Given N, print F_N modulo 10^9 + 7.\nConstraints\n"
        "0 \\leq N \\leq 3000\nInput\nInput is given from Standard Input in the following format:\nN\nOutput\n"
        "Print F_N mod 10^9 + 7.",
        _gen_fib,
        _solve_fib,
        slow=(
            "$n = int($read)\n$arr = [0, 1]\nfor $i in range(2, $n + 1):\n    $arr.append($arr[-1] + $arr[-2])\n"
            "print($arr[$n] % (10 ** 9 + 7))\n",
            "$n = int($read)\nmemo = {0: 0, 1: 1}\nfor $i in range(2, $n + 1):\n"
            "    memo[$i] = memo[$i - 1] + memo[$i - 2]\nprint(memo[$n] % 1000000007)\n",
        ),
        fast=(
            "M = 10 ** 9 + 7\n$n = int($read)\nx, y = 0, 1\nfor _ in range($n):\n    x, y = y, (x + y) % M\nprint(x)\n",
            "M = 10 ** 9 + 7\n\n\ndef fib(k):\n    if k == 0:\n        return 0, 1\n    a, b = fib(k >> 1)\n"
            "    c = a * (2 * b - a) % M\n    d = (a * a + b * b) % M\n"
            "    return (d, (c + d) % M) if k & 1 else (c, d)\n"
            "\n\n$n = int($read)\nprint(fib($n)[0])\n",
        ),
    ),
)

# --------------------------------------------------------------------------------------------------------
# Rendering: the same algorithm written by many hands.

_NAMES = {
    "$n": ("n", "N", "num", "size", "length", "cnt_n"),
    "$arr": ("a", "A", "arr", "nums", "xs", "lst", "values", "seq"),
    "$res": ("ans", "res", "result", "answer", "acc", "output"),
    "$i": ("i", "idx", "ii", "pos"),
    "$j": ("j", "jdx", "jj", "other"),
}
_IMPORTS = ("import sys", "import math", "import itertools", "import heapq", "from collections import deque",
            "from functools import lru_cache", "import collections", "import re")
_HELPERS = (
    "def I(): return int(input())\n",
    "def MI(): return map(int, input().split())\n",
    "def LI(): return list(map(int, input().split()))\n",
    "def S(): return input().rstrip()\n",
    "INF = float('inf')\n",
    "MOD = 10 ** 9 + 7\n",
    "dx = [1, 0, -1, 0]\ndy = [0, 1, 0, -1]\n",
    "def gcd(p, q):\n    while q:\n        p, q = q, p % q\n    return p\n",
    "def lcm(p, q):\n    return p // gcd(p, q) * q\n",
    "def is_prime(v):\n    if v < 2:\n        return False\n    k = 2\n    while k * k <= v:\n"
    "        if v % k == 0:\n            return False\n        k += 1\n    return True\n",
    "def chmin(dp, k, v):\n    if dp[k] > v:\n        dp[k] = v\n        return True\n    return False\n",
    "def chmax(dp, k, v):\n    if dp[k] < v:\n        dp[k] = v\n        return True\n    return False\n",
    "def debug(*args):\n    print(*args, file=sys.stderr)\n",
    "def divisors(v):\n    small, large = [], []\n    k = 1\n    while k * k <= v:\n        if v % k == 0:\n"
    "            small.append(k)\n            if k != v // k:\n                large.append(v // k)\n        k += 1\n"
    "    return small + large[::-1]\n",
    "class UnionFind:\n    def __init__(self, size):\n        self.parent = list(range(size))\n\n"
    "    def find(self, v):\n        while self.parent[v] != v:\n"
    "            self.parent[v] = self.parent[self.parent[v]]\n"
    "            v = self.parent[v]\n        return v\n\n    def union(self, p, q):\n"
    "        p, q = self.find(p), self.find(q)\n        if p != q:\n            self.parent[p] = q\n",
)
_TOP = ("", "", "", "#!/usr/bin/env python3\n", "# -*- coding: utf-8 -*-\n", "#!/usr/bin/python3\n")
_COMMENTS = ("", "", "", "# read input\n", "# solve\n", "# O(N^2) is fine for these limits\n", "# AC\n",
             "# TLE?\n", "# faster version\n", "# editorial approach\n", "# Python 3\n")


def _indent(code: str) -> str:
    return "".join(("    " + line) if line.strip() else line for line in code.splitlines(keepends=True))


def _render(core: str, rng: random.Random) -> str:
    """One submission: a template core in one person's style (names, input reading, boilerplate)."""
    for placeholder, options in _NAMES.items():
        core = core.replace(placeholder, rng.choice(options))
    style = rng.randrange(4)
    imports = [imp for imp in _IMPORTS if rng.random() < 0.18]
    if style == 0:
        core = core.replace("$read", "input()")
    elif style == 1:
        core = core.replace("$read", "sys.stdin.readline()")
        imports.insert(0, "import sys")
    else:
        core = core.replace("$read", "input()")
        imports.insert(0, "import sys")
        imports.insert(1, "input = sys.stdin.readline")
    helpers = [h for h in _HELPERS if rng.random() < 0.22]
    if not helpers and rng.random() < 0.8:  # most real submissions carry some contest boilerplate
        helpers.append(rng.choice(_HELPERS))
    if any("sys." in h for h in helpers) and "import sys" not in imports:
        imports.insert(0, "import sys")
    if any("gcd(" in h for h in helpers) and not any(h.startswith("def gcd") for h in helpers):
        helpers.insert(0, _HELPERS[7])
    head = rng.choice(_TOP) + "".join(dict.fromkeys(line + "\n" for line in imports))
    if helpers:
        head += "\n" + "\n".join(helpers)
    body = rng.choice(_COMMENTS) + core
    if style == 3 or rng.random() < 0.3:
        tail = rng.choice(("main()\n", "if __name__ == '__main__':\n    main()\n"))
        body = "def main():\n" + _indent(body) + "\n\n" + tail
    return (head + "\n\n" + body) if head.strip() else body


# --------------------------------------------------------------------------------------------------------


def _allocate(total: int, weights: Sequence[int], minimum: int) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), giving each part at least `minimum`."""
    n = len(weights)
    base = [minimum] * n if total >= minimum * n else [0] * n
    rest = total - sum(base)
    raw = [rest * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(n), key=lambda k: raw[k] - parts[k], reverse=True)
    for k in order[: rest - sum(parts)]:
        parts[k] += 1
    return [b + p for b, p in zip(base, parts, strict=True)]


def _spread(total: int, slots: int, rng: random.Random) -> list[int]:
    """Pairs per problem: skewed like the real release (a few problems have many pairs), ≥ 1 when possible."""
    if slots == 0:
        return []
    weights = [rng.lognormvariate(0.0, 0.8) for _ in range(slots)]
    return _allocate(total, [max(1, round(w * 1000)) for w in weights], 1)


_NAME_PREFIXES = ("", "", "Easy ", "Another ", "Simple ", "Takahashi's ", "Snuke's ", "Yet Another ", "Classic ",
                  "Tricky ", "Small ", "Quick ")
_NAME_SUFFIXES = ("", "", "", " I", " II", " 2", " (Easy)", " Again", " Revisited")


def _statement(family: Family, samples: Sequence[tuple[str, str]], rng: random.Random) -> str:
    """ECCO's shape: `Problem Name: …` then `Problem Description: …`, the samples at the end."""
    name = rng.choice(_NAME_PREFIXES) + family.title + rng.choice(_NAME_SUFFIXES)
    parts = [f"Problem Name: {name}", f"Problem Description: {family.statement}"]
    for k, (inp, out) in enumerate(samples, start=1):
        parts.append(f"Sample Input {k}\n{inp.rstrip()}\nSample Output {k}\n{out.rstrip()}")
    return "\n".join(parts)


def _spectrum(rng: random.Random) -> tuple[list[float], list[float]]:
    """Accepted human runtimes (s) and memories (KB) on Judge0's scale, as generate_eval stores them."""
    count = rng.randint(15, 120)
    base_t = rng.uniform(0.012, 0.06)
    base_m = rng.uniform(3300.0, 9000.0)
    runtimes, memories = [], []
    for _ in range(count):
        slow = rng.random() < 0.25
        runtimes.append(round(base_t * rng.lognormvariate(0.0, 0.2) * (rng.uniform(2, 12) if slow else 1), 3))
        memories.append(float(round(base_m * rng.lognormvariate(0.0, 0.08) * (rng.uniform(1, 1.6) if slow else 1))))
    return runtimes, memories


def _write_table(path: Path, columns: dict[str, pa.Array]) -> int:
    pq.write_table(pa.table(columns), path, compression="snappy", row_group_size=10_000)
    return path.stat().st_size


def _prepare(dest: Path, overwrite: bool) -> list[Path]:
    """Create the folders; on overwrite, move the old ones aside and return them for deletion at the end.

    Deleting tens of thousands of files just before creating as many is slow on some filesystems (ext4
    mounted with `discard` made the creates 5-8x slower), so the old tree is removed only after the write.
    """
    stale: list[Path] = []
    if dest.exists() and any(dest.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{dest} is not empty; pass overwrite=True to replace a synthetic release there")
        for name in OWN_DIRS:
            if (dest / name).exists():
                aside = dest / f".{name}.old-{os.getpid()}-{time.monotonic_ns()}"
                (dest / name).rename(aside)
                stale.append(aside)
    for name in OWN_DIRS:
        (dest / name).mkdir(parents=True, exist_ok=True)
    return stale


def write_synthetic_release(
    dest: Path,
    *,
    pairs: int = 50_000,
    problems: int = 1_400,
    tests: int = 20,
    public_tests: int = 3,
    seed: int = 0,
    progress: ProgressFn | None = None,
    overwrite: bool = False,
) -> SynthSummary:
    """Write a synthetic release of the real layout and scale into `dest`; see the module docstring.

    `progress(done, total)` is cumulative: `total` is pairs + problems (one unit per pair rendered, one per
    problem whose test files are written), and it is called a few hundred times at most, the last time with
    done == total. A non-empty `dest` is refused unless `overwrite` (which replaces only this module's folders).
    """
    if pairs < 0 or problems < len(SPLIT_SHARES) or tests < 0 or public_tests < 0:
        raise ValueError("pairs ≥ 0, problems ≥ 3 (one per split), tests ≥ 0 and public_tests ≥ 0 are needed")
    started = time.perf_counter()
    dest = Path(dest)
    stale = _prepare(dest, overwrite)
    rng = random.Random(seed)
    total_units = pairs + problems
    done = 0
    step = max(1, total_units // 200)
    last_report = 0

    def advance(units: int) -> None:
        nonlocal done, last_report
        done += units
        if progress is not None and (done - last_report >= step or done == total_units):
            last_report = done
            progress(done, total_units)

    splits = list(SPLIT_SHARES)
    n_problems = dict(zip(splits, _allocate(problems, [v[0] for v in SPLIT_SHARES.values()], 1), strict=True))
    n_pairs = dict(zip(splits, _allocate(pairs, [v[1] for v in SPLIT_SHARES.values()], 0), strict=True))
    universe = max(4053, 3 * problems)  # CodeNet's ids run p00000-p04052; widen only when asked for more
    if universe > 100_000:
        raise ValueError("at most 33,333 problems fit in 5-digit problem ids")
    ids = rng.sample(range(universe), problems)
    by_split: dict[str, list[str]] = {}
    cursor = 0
    for split in splits:
        chunk = sorted(ids[cursor : cursor + n_problems[split]])
        cursor += n_problems[split]
        by_split[split] = [f"p{x:05d}" for x in chunk]
    family_of = {pid: FAMILIES[rng.randrange(len(FAMILIES))] for split in splits for pid in by_split[split]}

    files = 0
    written = 0
    seen: set[str] = set()

    def render_unique(core: str) -> str:
        while True:
            code = _render(core, rng)
            if code not in seen:
                seen.add(code)
                return code

    # Edit pairs and the generate rows (fastest code) per split.
    samples_of: dict[str, list[tuple[str, str]]] = {}
    tests_of: dict[str, list[tuple[str, str]]] = {}
    for split in splits:
        pids = by_split[split]
        for pid in pids:
            fam = family_of[pid]
            prng = random.Random(f"{seed}:{pid}")
            samples_of[pid] = [(t, fam.solve(t)) for t in (fam.generate(prng, True) for _ in range(public_tests))]
            tests_of[pid] = [(t, fam.solve(t)) for t in (fam.generate(prng, k < 2) for k in range(tests))]
        counts = _spread(n_pairs[split], len(pids), rng)
        problem_col, input_col, target_col = [], [], []
        for pid, count in zip(pids, counts, strict=True):
            fam = family_of[pid]
            for _ in range(count):
                problem_col.append(pid)
                input_col.append(render_unique(rng.choice(fam.slow)))
                target_col.append(render_unique(rng.choice(fam.fast)))
            advance(count)
        written += _write_table(
            dest / "edit" / PARQUET_NAME.format(split=split),
            {"problem_id": pa.array(problem_col, pa.string()), "input": pa.array(input_col, pa.string()),
             "target": pa.array(target_col, pa.string())},
        )
        written += _write_table(
            dest / "generate" / PARQUET_NAME.format(split=split),
            {
                "problem_id": pa.array(pids, pa.string()),
                "problem_description": pa.array(
                    [_statement(family_of[p], samples_of[p], random.Random(f"{seed}:name:{p}")) for p in pids],
                    pa.string(),
                ),
                "fastest_code": pa.array([render_unique(rng.choice(family_of[p].fast)) for p in pids], pa.string()),
            },
        )
        files += 2
        if split in EVAL_SPLITS:
            spectra = [_spectrum(random.Random(f"{seed}:spectrum:{p}")) for p in pids]
            written += _write_table(
                dest / "generate_eval" / PARQUET_NAME.format(split=split),
                {
                    "problem_id": pa.array(pids, pa.string()),
                    "runtimes": pa.array([s[0] for s in spectra], pa.list_(pa.float64())),
                    "memories": pa.array([s[1] for s in spectra], pa.list_(pa.float64())),
                },
            )
            files += 1

    # Test files: tens of thousands of small files, written from a few threads (the syscalls release the GIL).
    def write_problem(pid: str) -> tuple[int, int]:
        n_files = n_bytes = 0
        for root, cases in (("test_cases", tests_of[pid]), ("public_test_cases", samples_of[pid])):
            folder = dest / root / pid
            os.mkdir(folder)
            for k, (inp, out) in enumerate(cases):
                for name, text in ((f"input.{k}.txt", inp), (f"output.{k}.txt", out)):
                    data = text.encode("ascii")
                    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    try:
                        os.write(fd, data)
                    finally:
                        os.close(fd)
                    n_files += 1
                    n_bytes += len(data)
        return n_files, n_bytes

    all_pids = [pid for split in splits for pid in by_split[split]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for n_files, n_bytes in pool.map(write_problem, all_pids):
            files += n_files
            written += n_bytes
            advance(1)
    if progress is not None and last_report != total_units:
        progress(total_units, total_units)
    for old in stale:
        shutil.rmtree(old, ignore_errors=True)

    return SynthSummary(
        dest=dest,
        problems=n_problems,
        pairs=n_pairs,
        private_tests=tests,
        public_tests=public_tests,
        files=files,
        bytes=written,
        seconds=time.perf_counter() - started,
    )


# --------------------------------------------------------------------------------------------------------
# Synthetic runs: a model's edit outputs for every pair of an imported release, with executions, so the verdict
# cache, the report and the browser can be timed at full scale (tens of thousands of outputs, ~20 private tests
# each, one engine) without executing anything.

#: What a synthetic output is, with its share: (kind, share). `fast`, `slower`, `spurious` and `broken` outputs
#: are the pair's target program measured as such; `same` is the input itself (no executions of its own);
#: `empty` has no code (never run).
OUTPUT_KINDS: tuple[tuple[str, float], ...] = (
    ("fast", 0.50), ("slower", 0.15), ("spurious", 0.10), ("broken", 0.10), ("same", 0.10), ("empty", 0.05),
)
#: Judge0 status ids and descriptions the synthetic executions use.
_STATUS = {3: "Accepted", 4: "Wrong Answer", 11: "Runtime Error (NZEC)"}
#: Executions written per transaction (keeps the Arrow tables small).
_EXECUTION_BATCH = 250_000


@dataclass(frozen=True, slots=True)
class SynthRuns:
    """The runs `add_synthetic_runs` wrote: run id → outputs, executions stored, and the time it took."""

    runs: dict[str, int]
    executions: int
    seconds: float

    @property
    def outputs(self) -> int:
        return sum(self.runs.values())


def add_synthetic_runs(
    store: Store,
    *,
    model: str = "synth-model",
    method: str = "instruct",
    splits: Sequence[str] | None = None,
    repeats: int = 1,
    seed: int = 0,
    engine: str = "local",
    engine_version: str = "local-synthetic+cgroup-v1",
) -> SynthRuns:
    """One edit run per split of the store's pairs (`<model>-<method>-<split>`): an output per pair (one sample,
    one round) and the executions of every output and input on the problem's private tests, as `ecco eval
    --repeat REPEATS` with one engine would store them. Nothing is executed: per-test CPU times are drawn
    (lognormal around ECCO's median of ~11 ms per test, heavy-tailed), each output is a kind of `OUTPUT_KINDS`
    (faster, slower, spurious, broken, identical to its input, empty), and 3% of inputs fail a test.
    Deterministic under `seed`; writing again replaces the same rows (ids are derived, not random)."""
    import numpy as np

    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    started = time.perf_counter()
    kinds = [k for k, _ in OUTPUT_KINDS]
    shares = np.array([w for _, w in OUTPUT_KINDS])
    wanted = list(splits) if splits is not None else list(SPLIT_SHARES)
    written: dict[str, int] = {}
    n_executions = 0
    for split_no, split in enumerate(wanted):
        rows = store.split_rows(split)
        if not rows:
            continue
        run_id = f"{model}-{method}-{split}"
        order = sorted(rows)
        pairs = store.get_pairs([rows[r][0] for r in order])
        n_tests: dict[str, int] = {}
        for _, problem_id in rows.values():
            if problem_id not in n_tests:
                n_tests[problem_id] = len(store.tests_for(problem_id, "private"))
        rng = np.random.default_rng([seed, split_no])
        n = len(order)
        kind = rng.choice(len(kinds), size=n, p=shares / shares.sum())
        outputs: dict[str, list[object]] = {c: [] for c in ("output_id", "run_id", "row_idx", "sample_idx",
                                                             "round", "problem_id", "pair_id", "program_id", "code")}
        for i, row in enumerate(order):
            pair = pairs[rows[row][0]]
            chosen = kinds[kind[i]]
            program = None if chosen == "empty" else (pair.slow if chosen == "same" else pair.fast)
            for col, value in (("output_id", f"{run_id}:{row}:0:0"), ("run_id", run_id), ("row_idx", row),
                               ("sample_idx", 0), ("round", 0), ("problem_id", pair.problem_id),
                               ("pair_id", pair.pair_id), ("program_id", program.program_id if program else None),
                               ("code", program.code if program else None)):
                outputs[col].append(value)
        with store.transaction() as tx:
            tx.upsert("runs", pa.table({"run_id": [run_id], "task": ["edit"], "model": [model], "method": [method],
                                        "split": [split], "source_file": [None]},
                                       schema=pa.schema([("run_id", pa.string()), ("task", pa.string()),
                                                         ("model", pa.string()), ("method", pa.string()),
                                                         ("split", pa.string()), ("source_file", pa.string())])))
            tx.upsert("model_outputs", pa.table({c: outputs[c] for c in outputs}))
        written[run_id] = n

        # Per (pair, test): the input's time and status, then each output kind's factor and statuses.
        counts = np.array([n_tests[pairs[rows[r][0]].problem_id] for r in order])
        pair_of = np.repeat(np.arange(n), counts)
        starts = np.cumsum(counts) - counts
        test_idx = np.arange(len(pair_of)) - np.repeat(starts, counts)
        base = np.clip(np.exp(rng.normal(math.log(0.011), 1.1, len(pair_of))), 0.0005, 3.0)
        memory = np.exp(rng.normal(math.log(9_000.0), 0.3, n))[pair_of]
        in_status = np.where(rng.random(n)[pair_of] < 0.03, np.where(test_idx == 0, 4, 3), 3)
        factor = np.select([kind == kinds.index("fast"), kind == kinds.index("slower"),
                            kind == kinds.index("spurious")],
                           [np.exp(rng.normal(math.log(0.5), 0.4, n)), np.exp(rng.normal(math.log(1.1), 0.15, n)),
                            np.exp(rng.normal(math.log(0.4), 0.3, n))], 1.0)[pair_of]
        out_kind = kind[pair_of]
        draw = rng.random(len(pair_of))
        out_status = np.select([(out_kind == kinds.index("spurious")) & ((draw < 0.3) | (test_idx == 0)),
                                (out_kind == kinds.index("broken")) & ((draw < 0.6) | (test_idx == 0))], [4, 11], 3)
        measured_out = np.isin(out_kind, [kinds.index(k) for k in ("fast", "slower", "spurious", "broken")])
        slow_sha = np.array([pairs[rows[r][0]].slow.code_sha256 for r in order], dtype=object)
        fast_sha = np.array([pairs[rows[r][0]].fast.code_sha256 for r in order], dtype=object)
        problem = np.array([pairs[rows[r][0]].problem_id for r in order], dtype=object)
        sides = (("input", np.ones(len(pair_of), dtype=bool), slow_sha, base, memory, in_status),
                 ("output", measured_out, fast_sha, base * factor, memory * np.exp(rng.normal(0, 0.1, n))[pair_of],
                  out_status))
        for side, keep, sha, seconds, kilobytes, status in sides:
            for repeat in range(repeats):
                noise = np.exp(rng.normal(0.0, 0.03, len(pair_of))) if repeat else np.ones(len(pair_of))
                picked = np.flatnonzero(keep)
                for lo in range(0, len(picked), _EXECUTION_BATCH):
                    part = picked[lo:lo + _EXECUTION_BATCH]
                    st = status[part]
                    completed = st != 11
                    cpu = np.round(seconds[part] * noise[part], 6)
                    table = pa.table({
                        "execution_id": [f"{run_id}:{side}:{k}:{repeat}" for k in part.tolist()],
                        "code_sha256": pa.array(sha[pair_of[part]], pa.string()),
                        "problem_id": pa.array(problem[pair_of[part]], pa.string()),
                        "visibility": pa.array(["private"] * len(part), pa.string()),
                        "test_idx": pa.array(test_idx[part], pa.int32()),
                        "engine": pa.array([engine] * len(part), pa.string()),
                        "engine_version": pa.array([engine_version] * len(part), pa.string()),
                        "repeat_idx": pa.array(np.full(len(part), repeat), pa.int32()),
                        "status_id": pa.array(st, pa.int32()),
                        "status_description": pa.array([_STATUS[int(x)] for x in st.tolist()], pa.string()),
                        "cpu_time_s": pa.array(cpu, pa.float64(), mask=~completed),
                        "wall_time_s": pa.array(np.round(cpu * 1.05, 6), pa.float64(), mask=~completed),
                        "memory_kb": pa.array(np.round(kilobytes[part]), pa.float64(), mask=~completed),
                        "source": pa.array(["synthetic"] * len(part), pa.string()),
                    })
                    with store.transaction() as tx:
                        tx.upsert("executions", table)
                    n_executions += len(part)
    return SynthRuns(written, n_executions, time.perf_counter() - started)


def main(
    out: Path | str = Path("synthetic-release"),
    *,
    pairs: int = 50_000,
    problems: int = 1_400,
    tests: int = 20,
    public_tests: int = 3,
    seed: int = 0,
    overwrite: bool = False,
    echo: Callable[[str], None] = print,
) -> SynthSummary:
    """Entry point without argument parsing, for `ecco synth`: write the release and report one line."""
    summary = write_synthetic_release(
        Path(out), pairs=pairs, problems=problems, tests=tests, public_tests=public_tests, seed=seed,
        overwrite=overwrite,
    )
    echo(f"Wrote a synthetic release to {summary.dest}: {summary}")
    return summary
