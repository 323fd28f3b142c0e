-- Deterministic per-line hit counts of a program on one test (services.profiling, `ecco explain`), cached by
-- what they depend on: the program (its normalized text's sha256; lines numbered in that text), the test (its
-- content's sha256) and the engine that ran it. Profiling runs are not timing runs: they never go to
-- `executions`, so no verdict, report or cache stamp ever sees them.
CREATE TABLE line_profiles (
    code_sha256         VARCHAR NOT NULL,
    problem_id          VARCHAR NOT NULL,
    visibility          VARCHAR NOT NULL,
    test_idx            INTEGER NOT NULL,
    test_sha256         VARCHAR NOT NULL,
    engine              VARCHAR NOT NULL,
    engine_version      VARCHAR NOT NULL,
    tracer              VARCHAR NOT NULL,   -- settrace | sys.monitoring (what counted the line events)
    status_id           INTEGER NOT NULL,   -- the profiled run's Judge0 status (its stdout is judged as usual)
    status_description  VARCHAR NOT NULL,
    hits                VARCHAR,            -- JSON [[line, count], ...]; NULL: the run ended before reporting
    total               BIGINT,             -- sum of the counts: the run's line events
    created_at          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (code_sha256, problem_id, visibility, test_idx, test_sha256, engine, engine_version)
);
