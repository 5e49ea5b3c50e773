"""stdlib_ml: ML primitives written in the pyleo DSL (see issue 4)."""
