"""Customer Journey Warehouse: the Python side (data generator, ML code, CLI)."""

__version__ = "0.1.0"
