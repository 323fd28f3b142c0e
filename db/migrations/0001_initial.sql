-- ecco-tui store, schema version 1.
--
-- Keys are derived from content (problem id, code hash, split + row) so that importing the same files
-- twice writes the same rows: every ingest statement is an upsert on these keys.

CREATE TABLE problems (
    problem_id      VARCHAR PRIMARY KEY,          -- CodeNet id, e.g. p03209
    name            VARCHAR,                      -- from "Problem Name: …" in the statement
    description     VARCHAR,                      -- full NL statement (generate config)
    split           VARCHAR,                      -- train | val | test (where the release puts it)
    fastest_code    VARCHAR,                      -- generate.fastest_code, when the release has it
    extra           JSON                          -- columns of the release we do not model
);

CREATE TABLE programs (
    program_id      VARCHAR PRIMARY KEY,          -- sha256(problem_id NUL normalized code)[:32]
    problem_id      VARCHAR NOT NULL,
    code            VARCHAR NOT NULL,
    code_sha256     VARCHAR NOT NULL,             -- sha256 of the normalized code (execution cache key)
    language        VARCHAR NOT NULL DEFAULT 'Python',
    user_id         VARCHAR,
    submission_id   VARCHAR,
    ref_runtime_s   DOUBLE,                       -- reference runtime where the release has one
    ref_memory_kb   DOUBLE
);

CREATE TABLE pairs (
    pair_id         VARCHAR PRIMARY KEY,          -- "<split>:<row>" in the release's edit config
    split           VARCHAR NOT NULL,
    row_idx         INTEGER NOT NULL,
    problem_id      VARCHAR NOT NULL,
    slow_program_id VARCHAR NOT NULL,
    fast_program_id VARCHAR NOT NULL,
    extra           JSON
);

CREATE TABLE test_cases (
    problem_id      VARCHAR NOT NULL,
    visibility      VARCHAR NOT NULL,             -- public | private
    idx             INTEGER NOT NULL,             -- k of input.<k>.txt
    input           VARCHAR NOT NULL,
    expected_output VARCHAR NOT NULL,
    test_sha256     VARCHAR NOT NULL,             -- sha256(input NUL expected): cache identity
    PRIMARY KEY (problem_id, visibility, idx)
);

CREATE TABLE spectra (
    problem_id      VARCHAR PRIMARY KEY,          -- generate_eval: all accepted human solutions
    split           VARCHAR,
    runtimes_s      DOUBLE[] NOT NULL,
    memories_kb     DOUBLE[] NOT NULL
);

CREATE TABLE trajectories (
    trajectory_id   VARCHAR PRIMARY KEY,          -- "<user_id>:<problem_id>"
    user_id         VARCHAR NOT NULL,
    problem_id      VARCHAR NOT NULL,
    original_language VARCHAR,
    split           VARCHAR
);

CREATE TABLE trajectory_steps (
    trajectory_id   VARCHAR NOT NULL,
    step            INTEGER NOT NULL,             -- submission order, 0-based
    program_id      VARCHAR NOT NULL,
    submission_id   VARCHAR,
    status          VARCHAR,
    cpu_time_ms     DOUBLE,
    memory_kb       DOUBLE,
    code_size       BIGINT,
    accuracy        VARCHAR,
    PRIMARY KEY (trajectory_id, step)
);

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,          -- user-visible run name
    task            VARCHAR NOT NULL,             -- edit | generate
    model           VARCHAR NOT NULL,
    method          VARCHAR NOT NULL,             -- instruct | few-shot | self-refine | exec-refine | nl-exec-refine | ...
    split           VARCHAR NOT NULL,
    source_file     VARCHAR,
    settings        JSON,                          -- tokens, temperature, samples, rounds... from the file name
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE model_outputs (
    output_id       VARCHAR PRIMARY KEY,          -- "<run>:<row>:<sample>:<round>"
    run_id          VARCHAR NOT NULL,
    row_idx         INTEGER NOT NULL,             -- record index in the output file = row of the split
    sample_idx      INTEGER NOT NULL,
    round           INTEGER NOT NULL,             -- 0 = first attempt; refinement rounds follow
    problem_id      VARCHAR NOT NULL,
    pair_id         VARCHAR,                      -- editing task: the source pair
    program_id      VARCHAR,                      -- the extracted code as a program (NULL when empty)
    code            VARCHAR,
    raw_response    VARCHAR,
    prompt          VARCHAR,
    feedback        VARCHAR,                      -- feedback given after this round (NL / exec / reflection)
    exec_feedback   VARCHAR,
    reflection      VARCHAR
);

CREATE TABLE executions (
    execution_id    VARCHAR PRIMARY KEY,          -- uuid
    code_sha256     VARCHAR NOT NULL,             -- the program as run (normalized text)
    problem_id      VARCHAR NOT NULL,
    visibility      VARCHAR NOT NULL,
    test_idx        INTEGER NOT NULL,
    test_sha256     VARCHAR,                      -- NULL for imported results whose tests we never saw
    engine          VARCHAR NOT NULL,             -- local | judge0 | judge0-imported
    engine_version  VARCHAR NOT NULL,
    limits_key      VARCHAR NOT NULL DEFAULT '',
    mode            VARCHAR NOT NULL DEFAULT 'time',
    repeat_idx      INTEGER NOT NULL DEFAULT 0,
    status_id       INTEGER NOT NULL,
    status_description VARCHAR NOT NULL,
    cpu_time_s      DOUBLE,
    wall_time_s     DOUBLE,
    memory_kb       DOUBLE,
    instructions    BIGINT,
    exit_code       INTEGER,
    exit_signal     INTEGER,
    stdout_excerpt  VARCHAR,
    stderr_excerpt  VARCHAR,
    message         VARCHAR,
    source          VARCHAR,                      -- e.g. the imported result file, or "ecco eval"
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE annotations (
    annotation_id   VARCHAR PRIMARY KEY,
    target_kind     VARCHAR NOT NULL,             -- output | pair | program
    target_id       VARCHAR NOT NULL,
    label           VARCHAR NOT NULL,
    note            VARCHAR,
    author          VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    retracted       BOOLEAN NOT NULL DEFAULT false -- undo keeps history; the latest live row wins
);

CREATE TABLE imports (
    import_id       VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,             -- release | outputs | results | annotations
    path            VARCHAR NOT NULL,
    file_sha256     VARCHAR,
    rows            BIGINT,
    imported_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);
