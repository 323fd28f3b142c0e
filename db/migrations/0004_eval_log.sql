-- One row per evaluation session (`ecco eval`, the app's re-run): how much was executed and how much came
-- from stored results, so `ecco stats` can show the execution cache's hit rate.
CREATE TABLE eval_log (
    eval_id         VARCHAR PRIMARY KEY,
    run_id          VARCHAR,
    engine          VARCHAR NOT NULL,
    engine_version  VARCHAR NOT NULL,
    executed        BIGINT NOT NULL,
    cached          BIGINT NOT NULL,
    seconds         DOUBLE NOT NULL,
    started_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
