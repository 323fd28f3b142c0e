# Reads about a megabyte of input at once and parses 200,000 integers.
import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
values = list(map(int, data[1 : 1 + 2 * n]))
total = 0
for i in range(0, 2 * n, 2):
    total = (total + values[i] * values[i + 1]) % 998244353
print(n, total, max(values))
