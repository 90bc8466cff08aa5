"""Sparrow: RTL generator and measured-power flow for µW hybrid ANN-SNN (SSF) edge ASICs.

Data flows one way: descriptor -> golden model -> hardware plan -> RTL -> simulation ->
netlist -> reports. Lower layers (``sparrow.model``) never import higher ones.
"""

__version__ = "0.1.0"
