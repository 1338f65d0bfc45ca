# Layer: Python tooling. The R-DC language for Pygments and papermill; imports neither until used.
"""Helpers that teach the Jupyter ecosystem the R-DC kernel's command language.

- ``rdc_jupyter.lexer.RDCLexer``: a Pygments lexer (alias ``rdc``), so ``jupyter nbconvert``
  and other Pygments users highlight commands, options, values, variables and comments.
- ``rdc_jupyter.papermill_support.RDCTranslator``: writes papermill's injected parameters
  cell as ``let NAME = VALUE`` lines.
"""

__version__ = "0.1.0"
