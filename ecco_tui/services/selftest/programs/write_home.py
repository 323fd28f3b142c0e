try:
    with open("/root/ecco_adversarial_marker", "w") as fh:
        fh.write("escaped\n")
except OSError:
    print("blocked")
else:
    print("written")
