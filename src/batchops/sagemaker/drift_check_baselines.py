"""`DriftCheckBaselines`: the baselines a model version's later checks compare against."""

from __future__ import annotations

from batchops.sagemaker.model_metrics import FileSource, MetricsSource, Source


class DriftCheckBaselines:
    def __init__(
        self,
        model_statistics: MetricsSource | None = None,
        model_constraints: MetricsSource | None = None,
        model_data_statistics: MetricsSource | None = None,
        model_data_constraints: MetricsSource | None = None,
        bias_config_file: FileSource | None = None,
        bias_pre_training_constraints: MetricsSource | None = None,
        bias_post_training_constraints: MetricsSource | None = None,
        explainability_constraints: MetricsSource | None = None,
        explainability_config_file: FileSource | None = None,
    ) -> None:
        self.model_statistics = model_statistics
        self.model_constraints = model_constraints
        self.model_data_statistics = model_data_statistics
        self.model_data_constraints = model_data_constraints
        self.bias_config_file = bias_config_file
        self.bias_pre_training_constraints = bias_pre_training_constraints
        self.bias_post_training_constraints = bias_post_training_constraints
        self.explainability_constraints = explainability_constraints
        self.explainability_config_file = explainability_config_file

    def other_sources(self) -> dict[str, Source | None]:
        """The baselines batchops keeps as given, by SageMaker's request name."""
        return {
            "ModelQuality.Statistics": self.model_statistics,
            "ModelQuality.Constraints": self.model_constraints,
            "Bias.ConfigFile": self.bias_config_file,
            "Bias.PreTrainingConstraints": self.bias_pre_training_constraints,
            "Bias.PostTrainingConstraints": self.bias_post_training_constraints,
            "Explainability.Constraints": self.explainability_constraints,
            "Explainability.ConfigFile": self.explainability_config_file,
        }


__all__ = ["DriftCheckBaselines"]
