"""The HTTP front door: the FastAPI application and its routers."""
