# Sieve of Eratosthenes to 3 million with a bytearray and slice assignment.
n = 3000000
is_prime = bytearray([1]) * (n + 1)
is_prime[0] = is_prime[1] = 0
i = 2
while i * i <= n:
    if is_prime[i]:
        is_prime[i * i :: i] = bytes(len(range(i * i, n + 1, i)))
    i += 1
print(sum(is_prime), is_prime.rfind(1))
