import os
import tempfile

# Many files each under the file-size limit: only a size-capped /tmp stops this from filling the disk.
try:
    for i in range(200):
        with open(os.path.join(tempfile.gettempdir(), f"part{i}.bin"), "wb") as fh:
            fh.write(b"\0" * 1_000_000)
except OSError:
    print("limited")
else:
    print("unlimited")
