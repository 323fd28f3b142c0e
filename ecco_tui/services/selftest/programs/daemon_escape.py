import os
import sys

# Classic daemonisation: double fork + setsid, so the survivor is in no process group of ours.
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "ecco-adversarial-daemon"])
    os._exit(0)
print("parent done")
