"""The walkthrough's processing scripts, written again from their description (not copied), and
batch files made the way its published ones are.

`PREPROCESSING` does what the walkthrough's preprocessing.py does with pandas 1.x: drop Phone
and the four Charge columns, make Area Code a category, `pd.get_dummies` everything (0/1
columns under pandas 1), move `Churn?_True.` first as the label, shuffle with
`random_state=1729` and `np.split` 70/20/10 into headerless train/validation/test CSVs.
`EVALUATION` untars the model from `/` with `extractall("..")`, `pickle.load`s
`xgboost-model` and writes evaluation.json (it does not create its folder, as on SageMaker),
plus its predictions, for the tests to compare with batchops's own reading of the model.
"""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

from batchops.examples.churn import pipelines as churn_pipelines

XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3"
SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3"
# estimator.set_hyperparameters(...) in the walkthrough: the churn example's, and silent=0
HYPERPARAMETERS = {**churn_pipelines.HYPERPARAMETERS, "silent": 0}

PREPROCESSING = """
import os

import numpy as np
import pandas as pd

if __name__ == "__main__":
    base_dir = "/opt/ml/processing"
    df = pd.read_csv(f"{base_dir}/input/churn-dataset.csv")
    df = df.drop("Phone", axis=1)
    df["Area Code"] = df["Area Code"].astype(object)
    df = df.drop(["Day Charge", "Eve Charge", "Night Charge", "Intl Charge"], axis=1)
    model_data = pd.get_dummies(df)
    model_data = pd.concat(
        [
            model_data["Churn?_True."],
            model_data.drop(["Churn?_False.", "Churn?_True."], axis=1),
        ],
        axis=1,
    )
    train_data, validation_data, test_data = np.split(
        model_data.sample(frac=1, random_state=1729),
        [int(0.7 * len(model_data)), int(0.9 * len(model_data))],
    )
    for name, part in [("train", train_data), ("validation", validation_data), ("test", test_data)]:
        os.makedirs(f"{base_dir}/{name}", exist_ok=True)
        part.to_csv(f"{base_dir}/{name}/{name}.csv", header=False, index=False)
    sizes = [len(part) for part in (train_data, validation_data, test_data)]
    print("pandas", pd.__version__, "wrote", sizes)
"""

EVALUATION = """
import json
import pathlib
import pickle
import tarfile

import numpy as np
import pandas as pd
import xgboost
from sklearn.metrics import accuracy_score

if __name__ == "__main__":
    with tarfile.open("/opt/ml/processing/model/model.tar.gz") as tar:
        tar.extractall(path="..")
    model = pickle.load(open("xgboost-model", "rb"))
    df = pd.read_csv("/opt/ml/processing/test/test.csv", header=None)
    y_test = df.iloc[:, 0].to_numpy()
    X_test = xgboost.DMatrix(df.drop(df.columns[0], axis=1).values)
    predictions = model.predict(X_test)
    report = {"binary_classification_metrics": {"accuracy": {
        "value": accuracy_score(y_test, np.round(predictions)), "standard_deviation": "NaN"}}}
    with open("/opt/ml/processing/evaluation/evaluation.json", "w") as f:
        f.write(json.dumps(report))
    np.savetxt("/opt/ml/processing/evaluation/predictions.csv", predictions, fmt="%.9g")
    print("loaded", type(model).__name__, "from", pathlib.Path("xgboost-model").resolve())
"""


def write_scripts(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    preprocessing = folder / "preprocessing.py"
    preprocessing.write_text(textwrap.dedent(PREPROCESSING))
    evaluation = folder / "evaluation.py"
    evaluation.write_text(textwrap.dedent(EVALUATION))
    return preprocessing, evaluation


# The published batch files: the model's layout with the label first; in the "clean" one the
# Night Calls column (_c8) holds 999 in about a fifth of the rows, and the "-missing" one
# also has empty fields in _c9, _c30, _c47 and _c70.
DRIFTED_COLUMN = 8
DRIFTED_VALUE = "999"
MISSING_COLUMNS = (9, 30, 47, 70)


def write_batch_files(folder: Path, rows: int = 1000, seed: int = 1) -> tuple[Path, Path]:
    """The clean and the -missing batch files, shaped like the walkthrough's."""
    from batchops.examples.churn.prepared import write_prepared_csv

    prepared = write_prepared_csv(folder / "prepared.csv", rows, seed=seed)
    table = list(csv.reader(prepared.read_text().splitlines()))
    for index, row in enumerate(table):
        if index % 5 == 0:
            row[DRIFTED_COLUMN] = DRIFTED_VALUE
    clean = _write(folder / "churn-prediction-input.csv", table)
    for index, row in enumerate(table):
        for offset, column in enumerate(MISSING_COLUMNS):
            if index % 10 == offset:
                row[column] = ""
    missing = _write(folder / "churn-prediction-input-missing.csv", table)
    return clean, missing


def _write(path: Path, table: list[list[str]]) -> Path:
    path.write_text("".join(",".join(row) + "\n" for row in table))
    return path
