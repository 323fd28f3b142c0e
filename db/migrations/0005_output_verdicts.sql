-- The verdict of every model output as `ecco report` computes it (outcome, speedup with its interval, memory
-- reduction, tests passed), cached so the browser can filter and sort 50k outputs by outcome without
-- recomputing bootstraps. It is derived data: `services.verdicts.refresh_verdicts` rewrites a run's rows
-- after anything that stores executions (eval, re-run, refine, import-results), and `verdict_state` records
-- which executions the cache has seen so a stale run can be found and refreshed.
CREATE TABLE output_verdicts (
    output_id           VARCHAR PRIMARY KEY,
    run_id              VARCHAR NOT NULL,
    problem_id          VARCHAR NOT NULL,
    task                VARCHAR NOT NULL,
    outcome             VARCHAR NOT NULL,
    passed              BOOLEAN NOT NULL,
    n_passed            INTEGER NOT NULL,
    n_run               INTEGER NOT NULL,
    speedup             DOUBLE,
    speedup_lo          DOUBLE,
    speedup_hi          DOUBLE,
    memory_reduction    DOUBLE,
    below_resolution    BOOLEAN NOT NULL DEFAULT false,
    runtime_percentile  DOUBLE,
    memory_percentile   DOUBLE,
    engine              VARCHAR,
    computed_at         TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE INDEX output_verdicts_problem ON output_verdicts (problem_id);
CREATE INDEX output_verdicts_run ON output_verdicts (run_id);

CREATE TABLE verdict_state (
    run_id          VARCHAR PRIMARY KEY,
    n_executions    BIGINT NOT NULL,   -- executions of the run's programs when the verdicts were computed
    n_outputs       BIGINT NOT NULL,
    computed_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);
