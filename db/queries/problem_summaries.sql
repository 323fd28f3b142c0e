-- One page of the problem browser: each problem with the counts the browser shows.
-- {where} and {order} are filled from a fixed whitelist in ecco_tui/store/store.py; values are bound.
WITH page AS (
    SELECT p.problem_id, p.name, p.split
    FROM problems p
    {where}
)
SELECT
    page.problem_id,
    page.name,
    page.split,
    coalesce(pr.n, 0) AS n_programs,
    coalesce(pa.n, 0) AS n_pairs,
    coalesce(mo.n, 0) AS n_outputs,
    coalesce(tc.n_public, 0) AS n_public_tests,
    coalesce(tc.n_private, 0) AS n_private_tests
FROM page
LEFT JOIN (SELECT problem_id, count(*) AS n FROM programs GROUP BY 1) pr USING (problem_id)
LEFT JOIN (SELECT problem_id, count(*) AS n FROM pairs GROUP BY 1) pa USING (problem_id)
LEFT JOIN (SELECT problem_id, count(*) AS n FROM model_outputs GROUP BY 1) mo USING (problem_id)
LEFT JOIN (
    SELECT problem_id,
           count(*) FILTER (WHERE visibility = 'public') AS n_public,
           count(*) FILTER (WHERE visibility = 'private') AS n_private
    FROM test_cases GROUP BY 1
) tc USING (problem_id)
ORDER BY {order}
LIMIT ? OFFSET ?
