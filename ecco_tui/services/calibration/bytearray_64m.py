# Allocates and touches 64 MiB of bytes: memory without much CPU.
size = 64 * 1024 * 1024
buf = bytearray(size)
for i in range(0, size, 4096):
    buf[i] = (i >> 12) & 255
print(len(buf), sum(buf[::4096]))
