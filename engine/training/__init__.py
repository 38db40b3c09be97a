"""From folders of music to a trained model, and its figures."""
