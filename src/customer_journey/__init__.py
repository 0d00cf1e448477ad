"""Customer Journey Warehouse: the Python side, by caller.

- `customer_journey.ml`: what the dbt Python models in models/ml/ import
- `customer_journey.synth`: the synthetic data generator (`cj synth`)
- `customer_journey.ops`: the demo loop, the BI copy, the project checks, the Spark comparison
- `customer_journey.cli`: the `cj` command
"""

__version__ = "0.1.0"
