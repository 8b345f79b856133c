"""`sagemaker.lineage`: importable; batchops shows lineage with `batchops registry lineage`."""
