# A list of 3 million distinct integer objects and a sum over it: about 120 MB.
values = list(range(1000, 3001000))
print(len(values), sum(values) % 1000003)
