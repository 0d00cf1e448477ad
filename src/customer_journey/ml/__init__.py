"""What the dbt Python models in models/ml/ import: the scikit-learn code, the decisions and the
row shaping, importable and tested without dbt.

- `features`: feature selection (information gain, mutual information, correlation clusters)
- `segmentation`: K-means with k chosen by elbow and silhouette, stable ids, readable names
- `prediction`: churn and purchase models, out-of-time validation, promotion gate, scoring
- `registry`: the model registry's training run and the tables exploded from it
- `reuse`: when a model keeps its stored result instead of recomputing it
- `funnel`, `plots`: the funnel overview and the PNGs shown in dbt docs
- `warehouse_io`: relations from `dbt.ref()` to pandas / Arrow, whatever the engine
"""

# dbt runs Python models on several threads in one process. Two threads importing scikit-learn
# at once meet its circular imports half-done ("cannot import name 'clone' from partially
# initialized module 'sklearn.base'"). Importing every third-party module this package uses
# here, once, under this package's import lock, leaves nothing for the threads to race on.
# Only third-party modules: importing our own submodules here would deadlock with a thread
# that holds a submodule's lock while it waits for this package.
import joblib  # noqa: E402, F401
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot  # noqa: E402, F401
import numpy  # noqa: E402, F401
import pandas  # noqa: E402, F401
import pyarrow  # noqa: E402, F401
import scipy.optimize  # noqa: E402, F401
import scipy.special  # noqa: E402, F401
import sklearn.base  # noqa: E402, F401
import sklearn.calibration  # noqa: E402, F401
import sklearn.cluster  # noqa: E402, F401
import sklearn.ensemble  # noqa: E402, F401
import sklearn.feature_selection  # noqa: E402, F401
import sklearn.frozen  # noqa: E402, F401
import sklearn.impute  # noqa: E402, F401
import sklearn.linear_model  # noqa: E402, F401
import sklearn.metrics  # noqa: E402, F401
import sklearn.neural_network  # noqa: E402, F401
import sklearn.pipeline  # noqa: E402, F401
import sklearn.tree  # noqa: E402, F401
