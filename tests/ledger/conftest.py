"""Fixtures of the certificate tests; the world lives in certificates_world.py so tests import it by a unique name."""
