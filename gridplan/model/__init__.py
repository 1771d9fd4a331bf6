"""The LP: vectorised blocks, the registries, one module per constraint family, compilation for HiGHS."""
