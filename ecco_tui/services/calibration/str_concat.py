# Grows a string one character at a time with += inside a function (CPython's in-place append path).
def build(n):
    s = ""
    for i in range(n):
        s += "abcdefghij"[i % 10]
    return s


s = build(1500000)
print(len(s), s.count("a"), s[-5:])
