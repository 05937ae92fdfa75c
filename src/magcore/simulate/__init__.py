"""magcore.simulate: model conversation cycles across whole organisations, fast and reproducibly."""
