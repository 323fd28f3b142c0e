-- Accepted programs of every user's trajectory with CodeNet's CPU time, for trajectory-conditioned
-- fine-tuning (the problem's split, else the trajectory's).
SELECT t.trajectory_id, coalesce(pr.split, t.split) AS split, t.problem_id, st.step, p.code, st.cpu_time_ms
FROM trajectories t
JOIN trajectory_steps st ON st.trajectory_id = t.trajectory_id
JOIN programs p ON p.program_id = st.program_id
LEFT JOIN problems pr ON pr.problem_id = t.problem_id
WHERE st.status = 'Accepted' AND st.cpu_time_ms IS NOT NULL
  AND ($problem IS NULL OR t.problem_id = $problem)
ORDER BY t.trajectory_id, st.step
