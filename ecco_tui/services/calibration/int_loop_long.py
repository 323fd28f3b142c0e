# The long end of the range: a plain integer loop of 15 million steps (about 2 s of CPU).
total = 0
x = 1
for _ in range(15000000):
    x = (x * 48271) % 2147483647
    total ^= x
print(total, x)
