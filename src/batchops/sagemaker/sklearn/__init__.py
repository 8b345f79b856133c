"""The SDK's scikit-learn framework: `sagemaker.sklearn.processing.SKLearnProcessor`."""

from batchops.sagemaker.sklearn.processing import SKLearnProcessor

__all__ = ["SKLearnProcessor"]
