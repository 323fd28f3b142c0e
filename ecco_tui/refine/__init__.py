"""refine layer."""
