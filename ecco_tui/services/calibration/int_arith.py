# A short loop of integer arithmetic (adds, multiplies, a modulo per step).
total = 0
for i in range(300000):
    total = (total + i * i) % 1000003
print(total)
