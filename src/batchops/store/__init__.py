"""Where batchops keeps things: metadata in SQL (SQLite or PostgreSQL), files under an fsspec root.

`db` opens and migrates the metadata database; `schema` declares its tables; `statuses`
names the statuses executions and steps are stored with; `artifacts` writes files
atomically and lays them out by pipeline, execution and step.
"""
