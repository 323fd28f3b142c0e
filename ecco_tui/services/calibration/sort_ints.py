# Sorts a million pseudo-random integers (timsort on unordered data).
values = [(i * 2654435761) % 4294967291 for i in range(1000000)]
values.sort()
print(values[0], values[500000], values[-1])
