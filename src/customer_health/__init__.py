"""Customer Health Score warehouse: the Python room around the dbt project."""

__version__ = "0.1.0"
