-- Report lines computed from a run's cached verdicts (services.report), stored by the commands that refresh
-- those verdicts so that `ecco report` reads them (default and --ecco-compat), keyed by what they were computed
-- from: the run's verdict stamp (see 0005), and the code that computed them (`version`).
CREATE TABLE report_lines (
    run_id          VARCHAR NOT NULL,
    mode            VARCHAR NOT NULL,   -- default | ecco
    version         VARCHAR NOT NULL,   -- services.report.LINE_VERSION: another one is never read
    n_executions    BIGINT NOT NULL,
    n_outputs       BIGINT NOT NULL,
    line            VARCHAR NOT NULL,   -- the ReportLine as JSON
    computed_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (run_id, mode)
);
