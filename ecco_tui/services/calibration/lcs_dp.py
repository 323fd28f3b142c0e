# Longest common subsequence of two 2,200-character strings by dynamic programming.
def make(seed, n):
    x = seed
    out = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append("ACGT"[(x >> 16) & 3])
    return "".join(out)


s = make(1, 2200)
t = make(2, 2200)
prev = [0] * (len(t) + 1)
for ch in s:
    cur = [0]
    for j, tj in enumerate(t):
        if ch == tj:
            cur.append(prev[j] + 1)
        else:
            cur.append(max(prev[j + 1], cur[j]))
    prev = cur
print(prev[-1])
