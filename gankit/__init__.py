"""gankit: the helper package of a GAN course taught in Jupyter notebooks."""
from gankit.runtime import budget, device, fast_mode, seed

__version__ = "0.1.0"
__all__ = ["budget", "device", "fast_mode", "seed", "__version__"]
