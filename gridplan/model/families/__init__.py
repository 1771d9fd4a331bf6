"""Constraint families. Each module has one ``add_<family>(ctx)`` function that
adds the family's variables, constraints, costs, injections and contributions to quantities."""
