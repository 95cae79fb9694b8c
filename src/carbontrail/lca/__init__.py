"""Product carbon footprints: the supply-chain model, its matrices, the solver, contributions and uncertainty."""
