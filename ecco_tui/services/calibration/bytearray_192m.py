# Allocates and touches 192 MiB in one buffer: a large resident set for little CPU.
size = 192 * 1024 * 1024
buf = bytearray(size)
step = 4096
buf[::step] = bytes(range(256)) * (size // step // 256)
print(len(buf), sum(buf[::step]) % 1000003)
