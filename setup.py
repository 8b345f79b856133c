"""The compiled part of batchops; everything else is declared in pyproject.toml.

The per-value work of profiling a column (`batchops/monitor/_columns.c`) is a C extension: a
compiler and Python's headers are needed to install from source. (setuptools' own table for
extensions in pyproject.toml is still experimental, so it is declared here.)
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "batchops.monitor._columns",
            sources=["src/batchops/monitor/_columns.c"],
            extra_compile_args=["-O3", "-fno-math-errno"],
        )
    ]
)
