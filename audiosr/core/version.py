"""The package's version, recorded with the artifacts it writes (a data cache's meta); pyproject.toml
reads it from here, so there is one."""

__version__ = "0.1.0"
