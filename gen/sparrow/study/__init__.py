"""The energy study: sweeps of T, spike rate and neuron scheme measured through the whole flow
(``sweep``), and what the measurements say about the analytical models."""
