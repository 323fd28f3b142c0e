-- CodeNet pairs as ECCO fine-tunes on them (slow -> fast), with each problem's split (the problem's own when
-- the release gives one, else the pair's) and the release's reference runtimes of both programs.
SELECT pa.pair_id, coalesce(pr.split, pa.split) AS split, pa.problem_id,
       s.code AS input_code, s.code_sha256 AS input_sha256, f.code AS target_code,
       s.ref_runtime_s AS input_runtime_s, f.ref_runtime_s AS target_runtime_s
FROM pairs pa
JOIN programs s ON s.program_id = pa.slow_program_id
JOIN programs f ON f.program_id = pa.fast_program_id
LEFT JOIN problems pr ON pr.problem_id = pa.problem_id
WHERE ($problem IS NULL OR pa.problem_id = $problem)
ORDER BY pa.split, pa.row_idx
