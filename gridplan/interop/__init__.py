"""Interoperability with the tools planners already use: PyPSA networks in and out.

:mod:`~gridplan.interop.to_pypsa` writes a gridplan case (or its results) as a PyPSA network with the
same optimum (``to_pypsa(...)`` → ``ExportedNetwork``: the network, the extra rows PyPSA has no attribute
for, the objective constant and the list of what is not a network attribute);
:mod:`~gridplan.interop.from_pypsa` reads a PyPSA network into a gridplan case folder. PyPSA is
an optional dependency (``pip install 'gridplan[interop]'``), imported only when called.
"""
