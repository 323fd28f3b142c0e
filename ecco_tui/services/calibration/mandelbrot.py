# Floating-point work: escape times of a 360x270 Mandelbrot grid, up to 300 iterations.
W, H, LIMIT = 360, 270, 300
total = 0
for py in range(H):
    ci = -1.2 + 2.4 * py / H
    for px in range(W):
        cr = -2.1 + 3.0 * px / W
        zr = zi = 0.0
        n = 0
        while n < LIMIT and zr * zr + zi * zi <= 4.0:
            zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
            n += 1
        total += n
print(total)
