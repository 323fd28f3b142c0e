# Builds two sets of 600,000 integers and intersects, unites and differences them.
a = {(i * 7919) % 2000003 for i in range(600000)}
b = {(i * 104729) % 2000003 for i in range(600000)}
print(len(a & b), len(a | b), len(a - b))
