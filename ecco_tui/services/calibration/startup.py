# The interpreter's start-up floor: nothing but one line of output.
print("ready")
