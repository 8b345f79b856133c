"""Where batchops keeps things, and what vouches for them: metadata in SQL (SQLite or
PostgreSQL), files under an fsspec root.

`db` opens and migrates the metadata database; `schema` declares its tables; `statuses`
names the statuses executions, steps and model versions are stored with; `executions`,
`recent_steps`, `events`, `metrics` (named by `metric_names`), `tokens` (API tokens, kept as
digests), `prediction_files` (the index of prediction and label files) and `step_effects`
(what a step did outside its output folder, once whatever its retries) own their tables;
`artifacts` writes files atomically and lays them out by pipeline, execution and step;
`outputs` writes and verifies the manifest that says an output folder is whole.
"""
