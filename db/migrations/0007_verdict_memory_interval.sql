-- The memory reduction's 95% interval beside the speedup's, in the cached verdicts (see 0005).
ALTER TABLE output_verdicts ADD COLUMN memory_lo DOUBLE;
ALTER TABLE output_verdicts ADD COLUMN memory_hi DOUBLE;
-- Verdicts cached before this have no memory interval: forget their stamps so they are recomputed.
DELETE FROM verdict_state;
