"""batchops: MLOps for batch use cases, local-first.

Pipelines of steps, a model registry with approval, data-quality baselines and
monitoring in SageMaker Model Monitor's formats, and streaming batch transform.
"""

__version__ = "0.1.0"
