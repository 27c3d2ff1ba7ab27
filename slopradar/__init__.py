"""slopradar core: configuration, store, pipeline and CLI shared by connectors, analysis and dashboard."""

__version__ = "0.1.0"
__all__ = ["__version__"]
