"""The fault tests run on the integration stack (its fixture), or on parts of their own they may kill."""

from tests.integration.conftest import stack

__all__ = ["stack"]
