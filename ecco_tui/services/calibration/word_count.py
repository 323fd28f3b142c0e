# Counts 400,000 generated words in a dict of strings (hashing, dict updates).
x = 12345
counts = {}
syllables = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po"]
for _ in range(400000):
    x = (x * 1103515245 + 12345) & 0x7FFFFFFF
    word = syllables[(x >> 16) & 7] + syllables[(x >> 19) & 7] + syllables[(x >> 22) & 7]
    counts[word] = counts.get(word, 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
print(len(counts), " ".join(w + "=" + str(c) for w, c in top))
