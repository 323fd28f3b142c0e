# Builds a long string with str.join over many small strings.
parts = [str(i * 7) for i in range(200000)]
text = ",".join(parts)
print(len(text), sum(text.encode()) % 1000003)
