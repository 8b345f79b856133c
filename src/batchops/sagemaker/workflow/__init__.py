"""`sagemaker.workflow`: pipelines, their steps, parameters and functions (see the modules)."""
