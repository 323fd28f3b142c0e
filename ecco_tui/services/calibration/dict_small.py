# Fills and probes a dict of 60,000 integer keys.
table = {}
for i in range(60000):
    table[i * 31 % 100003] = i
hits = 0
for k in range(100003):
    if k in table:
        hits += table[k] & 1
print(len(table), hits)
