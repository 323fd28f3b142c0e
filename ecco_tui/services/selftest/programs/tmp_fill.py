import os
import tempfile

# One file far past the file-size limit (RLIMIT_FSIZE), in the program's own temp directory.
try:
    with open(os.path.join(tempfile.gettempdir(), "fill.bin"), "wb") as fh:
        for _ in range(200):
            fh.write(b"\0" * 1_000_000)
except OSError:
    print("limited")
else:
    print("unlimited")
