# Multiplies two 150x150 integer matrices with nested Python loops.
N = 150
A = [[(i * N + j) % 17 for j in range(N)] for i in range(N)]
B = [[(i + 3 * j) % 19 for j in range(N)] for i in range(N)]
C = [[0] * N for _ in range(N)]
for i in range(N):
    Ai = A[i]
    Ci = C[i]
    for k in range(N):
        a = Ai[k]
        Bk = B[k]
        for j in range(N):
            Ci[j] += a * Bk[j]
print(sum(map(sum, C)), C[N - 1][N - 1])
