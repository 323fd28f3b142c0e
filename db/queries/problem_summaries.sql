-- One page of the problem browser: each problem with the counts the browser shows, and the aggregates of
-- its cached output verdicts (scoped to one run when the browser filters by run).
-- {where}, {verdict_scope} and {order} are filled from fixed whitelists in ecco_tui/store/store.py; values
-- are bound (first the filter's, then the verdict scope's, then LIMIT and OFFSET).
-- Counted as a problem's model outputs (and in its pass@1): rows of model runs, not rows of manual-edit runs
-- (a person's edit, services.rounds) nor the copies a refinement or an edit seeds its new run with (their
-- `generation` names the row they copy, which is counted once where it is). Counted as its programs ("humans"):
-- not the code only rows the app or `ecco refine` wrote (those with a `generation`) hold.
WITH page AS (
    SELECT p.problem_id, p.name, p.split
    FROM problems p
    {where}
),
counted_outputs AS (
    SELECT output_id, problem_id FROM model_outputs
    WHERE run_id NOT IN (SELECT run_id FROM runs WHERE method = 'manual-edit')
      AND json_extract_string(generation, '$.copied_from') IS NULL
),
judged AS (
    SELECT problem_id,
           count(*) AS n_judged,
           avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) AS pass_at_1,
           avg(speedup) FILTER (WHERE passed AND task = 'edit') AS mean_speedup,
           avg(memory_reduction) FILTER (WHERE passed AND task = 'edit') AS mean_memory_reduction
    FROM output_verdicts
    WHERE outcome <> 'not-run' {verdict_scope}
      AND output_id IN (SELECT output_id FROM counted_outputs)
    GROUP BY 1
),
app_programs AS (  -- programs only the app's or `ecco refine`'s rows hold
    SELECT program_id FROM model_outputs WHERE generation IS NOT NULL AND program_id IS NOT NULL
    EXCEPT
    SELECT program_id FROM model_outputs WHERE generation IS NULL AND program_id IS NOT NULL
    EXCEPT
    SELECT slow_program_id FROM pairs
    EXCEPT
    SELECT fast_program_id FROM pairs
    EXCEPT
    SELECT program_id FROM trajectory_steps
)
SELECT
    page.problem_id,
    page.name,
    page.split,
    coalesce(pr.n, 0) AS n_programs,
    coalesce(pa.n, 0) AS n_pairs,
    coalesce(mo.n, 0) AS n_outputs,
    coalesce(tc.n_public, 0) AS n_public_tests,
    coalesce(tc.n_private, 0) AS n_private_tests,
    coalesce(judged.n_judged, 0) AS n_judged,
    judged.pass_at_1,
    judged.mean_speedup,
    judged.mean_memory_reduction
FROM page
LEFT JOIN (SELECT problem_id, count(*) AS n FROM programs WHERE program_id NOT IN (SELECT program_id FROM app_programs)
           GROUP BY 1) pr USING (problem_id)
LEFT JOIN (SELECT problem_id, count(*) AS n FROM pairs GROUP BY 1) pa USING (problem_id)
LEFT JOIN (SELECT problem_id, count(*) AS n FROM counted_outputs GROUP BY 1) mo USING (problem_id)
LEFT JOIN (
    SELECT problem_id,
           count(*) FILTER (WHERE visibility = 'public') AS n_public,
           count(*) FILTER (WHERE visibility = 'private') AS n_private
    FROM test_cases GROUP BY 1
) tc USING (problem_id)
LEFT JOIN judged USING (problem_id)
ORDER BY {order}
LIMIT ? OFFSET ?
