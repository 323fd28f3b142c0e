# Big-integer arithmetic in C: a large factorial and powers, reduced modulo a prime.
import math

p = 1000000007
f = math.factorial(60000)
q = pow(3, 400000) * pow(7, 200000)
print(f % p, q % p, f.bit_length(), q.bit_length())
