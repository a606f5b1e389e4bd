"""The Grassroots services; each imports only itself and ``shared``."""
