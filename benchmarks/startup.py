"""Start-up time of commands that train or score nothing (target: < 0.5 s each).

Run: .venv/bin/python benchmarks/startup.py
Prints the median wall time of five runs per command, against a prepared home.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [
    ["--help"],
    ["registry", "--help"],
    ["registry", "groups"],
    ["registry", "versions", "customer-churn"],
    ["pipeline", "list"],
    ["execution", "list"],
    ["transform", "--help"],
]


def main() -> None:
    batchops = str(Path(sys.executable).with_name("batchops"))
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BATCHOPS_HOME": home}
        prepare = [sys.executable, "-c", _PREPARE]
        subprocess.run(prepare, env=env, check=True)
        for command in COMMANDS:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                subprocess.run([batchops, *command], env=env, capture_output=True, check=True)
                times.append(time.perf_counter() - start)
            print(f"batchops {' '.join(command):<40} {statistics.median(times):.3f} s")


# Registration loads the model, so the version the listings show is a real (tiny) booster.
_PREPARE = """
import os, tempfile
import numpy as np, xgboost as xgb
from batchops import registry
from batchops.models import pack_model
from batchops.runtime.pipelines import store_provided
store_provided()
rows = np.random.default_rng(0).random((32, 2))
booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(rows, label=rows[:, 0] > 0.5))
path = os.path.join(tempfile.mkdtemp(), "model.tar.gz")
with open(path, "wb") as handle:
    handle.write(pack_model({"xgboost-model": bytes(booster.save_raw("json"))}))
registry.register_version("customer-churn", model_data_uri=path)
"""

if __name__ == "__main__":
    main()
