# Touch every page (bytes multiplication writes them), so a resident-memory limit trips too, not only an
# address-space one.
hoard = []
while True:
    hoard.append(b"x" * 10_000_000)
