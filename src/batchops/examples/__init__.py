"""Worked examples that run on batchops end to end; `churn` is the AWS walkthrough's."""
