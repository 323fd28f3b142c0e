# Recursion 15,000 frames deep, repeated: frame allocation and a deep stack.
import sys

sys.setrecursionlimit(20000)


def depth_sum(n):
    return 0 if n == 0 else n + depth_sum(n - 1)


total = 0
for k in range(40):
    total += depth_sum(15000 - k)
print(total)
