"""Where batchops keeps things: metadata in SQL (SQLite or PostgreSQL), files under an fsspec root.

`db` opens and migrates the metadata database; `schema` declares its tables; `artifacts`
writes files atomically and lays them out by pipeline, execution and step.
"""
