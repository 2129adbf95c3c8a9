"""Ridge regression on scikit-learn's diabetes data, logged to Cairn through the MLflow REST API.

Run it as a project:  cairn run ./examples/python-sklearn -P alpha=0.5
The project runner passes MLFLOW_RUN_ID and MLFLOW_TRACKING_URI; this script logs into that run
with plain HTTP calls (the official `mlflow` client works the same way against Cairn).
"""
import argparse
import json
import os
import time
import urllib.request

from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

TRACKING_URI = os.environ.get("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000").rstrip("/")
RUN_ID = os.environ["MLFLOW_RUN_ID"]


def call(path, body):
    req = urllib.request.Request(
        f"{TRACKING_URI}/api/2.0/mlflow/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read() or b"{}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--test-size", type=float, default=0.25)
    args = parser.parse_args()

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=args.test_size, random_state=0)

    now = int(time.time() * 1000)
    metrics = []
    # Learning curve: train on growing fractions of the data, one step per fraction.
    for step, fraction in enumerate([0.2, 0.4, 0.6, 0.8, 1.0]):
        n = max(10, int(len(X_train) * fraction))
        model = Ridge(alpha=args.alpha).fit(X_train[:n], y_train[:n])
        pred = model.predict(X_test)
        metrics.append({"key": "test_mse", "value": float(mean_squared_error(y_test, pred)), "timestamp": now, "step": step})
        metrics.append({"key": "test_r2", "value": float(r2_score(y_test, pred)), "timestamp": now, "step": step})
    call("runs/log-batch", {
        "run_id": RUN_ID,
        "metrics": metrics,
        "params": [{"key": "model", "value": "Ridge"}, {"key": "train_rows", "value": str(len(X_train))}],
        "tags": [{"key": "framework", "value": "scikit-learn"}],
    })
    print(f"alpha={args.alpha}: test MSE {metrics[-2]['value']:.1f}, R2 {metrics[-1]['value']:.3f}")


if __name__ == "__main__":
    main()
