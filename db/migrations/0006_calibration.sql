-- Engine calibration (`ecco calibrate`): the shipped calibration programs measured on one or more engines, and
-- the time and memory factors of every engine relative to the first one. Shown by `ecco report --calibration`.

-- One `ecco calibrate` invocation.
CREATE TABLE calibration_sessions (
    session_id      VARCHAR PRIMARY KEY,
    set_version     VARCHAR NOT NULL,   -- hash of the calibration set (programs, stdin, expected output)
    programs        VARCHAR NOT NULL,   -- the --programs selection ('*' for all)
    repeat          INTEGER NOT NULL,   -- runs per program and engine
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One program on one engine of a session: medians over the accepted runs.
CREATE TABLE calibration_runs (
    session_id          VARCHAR NOT NULL,
    engine_order        INTEGER NOT NULL,   -- position of the engine in the session's --engine list (0 = reference)
    engine              VARCHAR NOT NULL,
    engine_version      VARCHAR NOT NULL,
    program             VARCHAR NOT NULL,
    program_sha256      VARCHAR NOT NULL,
    runs                INTEGER NOT NULL,
    failures            INTEGER NOT NULL,   -- runs not Accepted (wrong output, crash, limit): never a number
    failure             VARCHAR,            -- the first failure's status
    cpu_median_s        DOUBLE,
    cpu_cv              DOUBLE,             -- coefficient of variation of CPU time over the accepted runs
    wall_median_s       DOUBLE,
    memory_median_kb    DOUBLE,
    created_at          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (session_id, engine_order, program)
);

-- Engine `engine_order` relative to engine `reference_order` of a session, for one quantity ('time' or 'memory').
CREATE TABLE calibration_factors (
    session_id          VARCHAR NOT NULL,
    reference_order     INTEGER NOT NULL,
    reference_engine    VARCHAR NOT NULL,
    reference_version   VARCHAR NOT NULL,
    engine_order        INTEGER NOT NULL,
    engine              VARCHAR NOT NULL,
    engine_version      VARCHAR NOT NULL,
    quantity            VARCHAR NOT NULL,
    n_programs          INTEGER NOT NULL,   -- programs in the fit
    factor              DOUBLE,             -- exp(median(log(B/A)))
    factor_lo           DOUBLE,             -- 95 % bootstrap interval over programs
    factor_hi           DOUBLE,
    geo_mean            DOUBLE,
    gsd                 DOUBLE,             -- geometric standard deviation of the per-program ratios
    ratio_q1            DOUBLE,
    ratio_q3            DOUBLE,
    line_offset         DOUBLE,             -- Theil–Sen line B ≈ offset + slope·A (seconds or KB)
    line_slope          DOUBLE,
    floor               DOUBLE NOT NULL,    -- values below this on either engine were left out (timer resolution)
    skipped             VARCHAR,            -- JSON {program: reason} of the programs left out
    created_at          TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (session_id, reference_order, engine_order, quantity)
);
CREATE INDEX calibration_factors_pair ON calibration_factors (reference_version, engine_version);
