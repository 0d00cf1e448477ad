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
