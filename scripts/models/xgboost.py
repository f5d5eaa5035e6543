#!/usr/bin/python3
"""scripts/models/xgboost.py <datadir> - the XGBoost models tests/runtimes/xgboost*.cpp read.

Writes into <datadir>/xgboost/ (fixed seeds: re-running rewrites the same files):
  softprob.json, softprob.ubj   multi:softprob, 8 features, 3 classes, 4 rounds of depth-3 trees
  binary.json                   binary:logistic, 8 features
  regression.ubj                reg:squarederror, 8 features
  early_stopped.json            multi:softprob, 8 features, 3 classes, trained with early stopping:
                                its best_iteration is below its last round (predict_proba uses it)
  two_targets.json              reg:squarederror with two targets (num_target 2), 8 features
  linear.json                   a gblinear booster (XGBoost cannot predict it in place: a load_error)
  features5.json                multi:softprob with 5 features (a num_feature mismatch)
  softmax.json                  multi:softmax (an objective weft refuses)
  corrupt.json                  softprob.json cut in half
  inputs.csv                    20 rows of 8 float32 features (one value missing: nan)
  softprob.csv, binary.csv, regression.csv, early_stopped.csv, two_targets.csv
                                what Python predicts for inputs.csv: predict_proba (3 columns) for the
                                classifiers, the positive class's probability for binary, predict for
                                the regressor; one row per input row, float32 printed with 9 digits
Each file is a few kB. Run by scripts/make-test-models with Debian's /usr/bin/python3.
"""
import os
import sys

# This file is named xgboost.py: keep its own directory off the import path so that `import xgboost`
# finds the library, not this script.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]

import numpy as np  # noqa: E402
import xgboost as xgb  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402

SEED = 0


def write_rows(path, rows):
    with open(path, "w") as f:
        for row in np.atleast_2d(rows):
            f.write(",".join("%.9g" % v for v in row) + "\n")


def main(datadir):
    out = os.path.join(datadir, "xgboost")
    os.makedirs(out, exist_ok=True)

    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=SEED)
    X = X.astype(np.float32)
    inputs = X[:20].copy()
    inputs[3, 2] = np.nan  # a missing value takes each tree's default branch, as in Python
    write_rows(os.path.join(out, "inputs.csv"), inputs)

    softprob = xgb.XGBClassifier(n_estimators=4, max_depth=3, random_state=SEED, objective="multi:softprob")
    softprob.fit(X, y)
    softprob.save_model(os.path.join(out, "softprob.json"))
    softprob.save_model(os.path.join(out, "softprob.ubj"))
    write_rows(os.path.join(out, "softprob.csv"), softprob.predict_proba(inputs))

    yb = (y == 0).astype(int)
    binary = xgb.XGBClassifier(n_estimators=4, max_depth=3, random_state=SEED, objective="binary:logistic")
    binary.fit(X, yb)
    binary.save_model(os.path.join(out, "binary.json"))
    write_rows(os.path.join(out, "binary.csv"), binary.predict_proba(inputs)[:, 1:2])

    Xr, yr = make_regression(n_samples=300, n_features=8, noise=0.5, random_state=SEED)
    regression = xgb.XGBRegressor(n_estimators=5, max_depth=3, random_state=SEED, objective="reg:squarederror")
    regression.fit(Xr.astype(np.float32), yr)
    regression.save_model(os.path.join(out, "regression.ubj"))
    write_rows(os.path.join(out, "regression.csv"), regression.predict(inputs).reshape(-1, 1))

    # Noisy labels, so that validation loss stops improving well before the last round.
    rng = np.random.default_rng(SEED)
    noisy = np.where(rng.random(len(y)) < 0.4, rng.integers(0, 3, len(y)), y)
    early = xgb.XGBClassifier(n_estimators=40, max_depth=4, learning_rate=0.8, random_state=SEED,
                              objective="multi:softprob", early_stopping_rounds=2)
    early.fit(X[:200], noisy[:200], eval_set=[(X[200:], noisy[200:])], verbose=False)
    assert early.best_iteration < early.get_booster().num_boosted_rounds() - 1, "early stopping did not stop early"
    early.save_model(os.path.join(out, "early_stopped.json"))
    write_rows(os.path.join(out, "early_stopped.csv"), early.predict_proba(inputs))

    Y2 = np.c_[yr, 0.5 * yr + Xr[:, 0]]
    two_targets = xgb.XGBRegressor(n_estimators=4, max_depth=3, random_state=SEED, tree_method="hist")
    two_targets.fit(Xr.astype(np.float32), Y2)
    two_targets.save_model(os.path.join(out, "two_targets.json"))
    write_rows(os.path.join(out, "two_targets.csv"), two_targets.predict(inputs))

    linear = xgb.XGBClassifier(n_estimators=2, booster="gblinear", random_state=SEED, n_jobs=1)  # one thread: deterministic
    linear.fit(X, yb)
    linear.save_model(os.path.join(out, "linear.json"))

    narrow = xgb.XGBClassifier(n_estimators=2, max_depth=2, random_state=SEED, objective="multi:softprob")
    narrow.fit(X[:, :5], y)
    narrow.save_model(os.path.join(out, "features5.json"))

    softmax = xgb.XGBClassifier(n_estimators=2, max_depth=2, random_state=SEED, objective="multi:softmax")
    softmax.fit(X, y)
    softmax.save_model(os.path.join(out, "softmax.json"))

    with open(os.path.join(out, "softprob.json"), "rb") as f:
        whole = f.read()
    with open(os.path.join(out, "corrupt.json"), "wb") as f:
        f.write(whole[: len(whole) // 2])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/models/xgboost.py <datadir>")
    main(sys.argv[1])
