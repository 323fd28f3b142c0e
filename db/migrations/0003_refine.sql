-- Refinement rounds made by `ecco refine` (ecco_tui/services/refine.py). Additive only: imported rows keep
-- NULL in every new column, so nothing about an imported ECCO file changes meaning.
--
-- A round whose model call failed (HTTP error, timeout, malformed answer) or whose answer held no code block
-- is still stored, with `code` NULL and the one-line reason here, so a run shows what went wrong where
-- instead of silently missing a row; a later `ecco refine` of the same run retries it.
ALTER TABLE model_outputs ADD COLUMN failure VARCHAR;

-- The prompt that asked for the NL feedback (self-refine) or the reflection (NL+exec refine) stored in
-- `feedback` / `reflection` of the same row: ECCO keeps it per record as `feedback_prompt` / `reflect_prompt`.
ALTER TABLE model_outputs ADD COLUMN feedback_prompt VARCHAR;

-- How the row's response was obtained: model, endpoint host, temperature, max tokens, prompt set, attempts,
-- latency, token usage, finish reason. Never an API key (only the name of the variable that held it).
ALTER TABLE model_outputs ADD COLUMN generation JSON;

-- When the row was written by `ecco refine`; NULL for imported rows, whose time of making is unknown.
ALTER TABLE model_outputs ADD COLUMN created_at TIMESTAMP;
