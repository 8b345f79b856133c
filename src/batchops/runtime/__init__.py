"""Runs executions: schedules steps in dependency order, in parallel where it can, records
each step's status, properties, outputs and logs, caches and retries.

`execution` is the handle users hold; `executor` the loop; `runners/` one module per step type.
"""
