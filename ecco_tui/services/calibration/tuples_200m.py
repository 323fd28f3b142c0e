# Keeps 1.2 million small tuples alive in a list: about 200 MB of many small objects.
rows = [(i, i * 3 + 1, float(i)) for i in range(1200000)]
print(len(rows), rows[-1][1], sum(r[0] for r in rows[::1000]))
