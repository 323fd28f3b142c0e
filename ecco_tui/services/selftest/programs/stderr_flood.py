import sys

line = "e" * 1000 + "\n"
while True:
    sys.stderr.write(line)
