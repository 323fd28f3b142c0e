-- Rows of ECCO evaluation-result files (one JSON object keyed by output row), kept as they were written.
-- Their summary fields (speedup, pass_rate, accepted, ...) are never trusted for metrics: the per-test
-- data become executions (engine 'judge0-imported'); this table keeps the summaries for comparison.
CREATE TABLE imported_results (
    result_file     VARCHAR NOT NULL,              -- file name of the result file
    run_id          VARCHAR NOT NULL,
    round           INTEGER NOT NULL,              -- which round's codes the file evaluated
    row_idx         INTEGER NOT NULL,              -- the key of the JSON object = output row
    problem_id      VARCHAR NOT NULL,
    summary         JSON NOT NULL,                 -- every non-per-test field of the entry
    PRIMARY KEY (result_file, row_idx)
);

-- Imported measurements belong to one row of one result file: ECCO re-ran the same program for every row,
-- and each row's numbers must stay with that row. NULL for executions made here (content-addressed).
ALTER TABLE executions ADD COLUMN context VARCHAR;
