-- Final-round outputs of model runs (never manual edits) with their cached verdicts and, for editing, the
-- input they were asked to optimize (their row's pair's slow program). The split is the problem's.
WITH finals AS (
    SELECT * FROM model_outputs
    QUALIFY round = max(round) OVER (PARTITION BY run_id, row_idx, sample_idx)
)
SELECT o.output_id, o.run_id, r.model, r.method, r.task, o.problem_id,
       coalesce(pr.split, pa.split, r.split) AS split, o.pair_id,
       o.code AS target_code, s.code AS input_code, s.code_sha256 AS input_sha256,
       v.outcome, v.speedup, v.speedup_lo, v.speedup_hi, v.n_passed, v.n_run, v.engine, v.runtime_percentile
FROM finals o
JOIN runs r ON r.run_id = o.run_id
JOIN output_verdicts v ON v.output_id = o.output_id
LEFT JOIN pairs pa ON pa.pair_id = o.pair_id
LEFT JOIN programs s ON s.program_id = pa.slow_program_id
LEFT JOIN problems pr ON pr.problem_id = o.problem_id
WHERE r.task = $task AND r.method <> 'manual-edit' AND o.code IS NOT NULL AND trim(o.code) <> ''
  AND ($problem IS NULL OR o.problem_id = $problem)
ORDER BY o.run_id, o.row_idx, o.sample_idx
