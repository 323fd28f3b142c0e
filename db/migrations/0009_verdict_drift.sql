-- How many tests of an output drifted between the evaluations its pairs come from (`metrics.drift`), in the
-- cached verdicts (see 0005), so `ecco report` can count the outputs whose pooled figures hide a disagreement.
ALTER TABLE output_verdicts ADD COLUMN drift_tests INTEGER DEFAULT 0;  -- NOT NULL: DuckDB refuses it on an indexed table
-- Verdicts cached before this never looked for drift: forget their stamps so they are recomputed.
DELETE FROM verdict_state;
