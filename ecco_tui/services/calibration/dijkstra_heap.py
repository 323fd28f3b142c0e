# Dijkstra on a 400x400 grid with heapq (tuples, heap pushes and pops).
import heapq

W = 400
weight = [((i * 7 + (i // W) * 13) % 9) + 1 for i in range(W * W)]
dist = [1 << 60] * (W * W)
dist[0] = 0
heap = [(0, 0)]
while heap:
    d, u = heapq.heappop(heap)
    if d > dist[u]:
        continue
    r, c = divmod(u, W)
    for v in (u - W if r else -1, u + W if r < W - 1 else -1, u - 1 if c else -1, u + 1 if c < W - 1 else -1):
        if v >= 0:
            nd = d + weight[v]
            if nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
print(dist[-1], max(dist))
