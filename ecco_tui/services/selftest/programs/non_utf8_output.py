import sys

sys.stdout.buffer.write(b"\xff\xfe\xfd abc \xc3\x28\n")
