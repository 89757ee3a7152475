"""formcheck: watch a person exercise and check their form.

The library is the product; the ``formcheck`` command is a thin layer over it.
"""

__version__ = "0.1.0"
