"""Pipelines that run themselves: schedules (cron), event rules (EventBridge-like), webhooks,
alarms on metrics (CloudWatch-like), and the scheduler that acts on them under a lease.

A plain library: the CLI wraps it now, the server later. It reads the store's event log and
metric datapoints and starts executions through the runtime.
"""
