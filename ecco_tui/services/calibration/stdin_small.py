# Reads a few thousand lines of integers with input() and sums them.
n = int(input())
total = 0
for _ in range(n):
    a, b = map(int, input().split())
    total += a * b
print(total)
