"""The demo data set's loaders: the Sichuan battery chain (`chain`), its battery units (`battery`), the CBAM
exporters (`cbam`), the PACT side (`pact`) and the sign-ins' password (`sign_ins`)."""

from carbontrail.services.demo.chain import ADMIN_EMAIL, DEMO_USERS, load_demo
from carbontrail.services.demo.sign_ins import DEFAULT_DEMO_PASSWORD, demo_password

__all__ = ["ADMIN_EMAIL", "DEFAULT_DEMO_PASSWORD", "DEMO_USERS", "demo_password", "load_demo"]
