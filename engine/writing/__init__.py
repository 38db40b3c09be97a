"""Writing with a model: Continue and Fill."""
