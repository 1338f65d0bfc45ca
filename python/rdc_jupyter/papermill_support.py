# Layer: Python tooling. papermill support for the rdc kernel: writes parameters as `let` lines; no I/O.
"""papermill support: the parameters papermill injects are written as R-DC ``let`` lines.

``papermill -k rdc -p epochs 4 in.ipynb out.ipynb`` injects, after the cell tagged
``parameters``::

    # Parameters
    let epochs = 4

Loading this module registers ``RDCTranslator`` for the kernel and language ``rdc``.
papermill loads it by itself through the ``papermill.engine`` entry point (see
pyproject.toml), because papermill has no plugin group for translators.
"""

import re

from papermill.engines import NBClientEngine
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

__all__ = ["RDCTranslator", "RDCEngine"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LET = re.compile(r"^\s*let\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*(?:#\s*(.*))?$")


class RDCTranslator(Translator):
    """Translates papermill parameters (numbers, booleans, strings) into R-DC values."""

    @classmethod
    def translate_str(cls, val):
        if "\n" in val or "\r" in val:
            raise ValueError(f"an R-DC value cannot hold a line break: {val!r}")
        return '"' + val.replace("\\", "\\\\").replace('"', '\\"') + '"'

    @classmethod
    def translate_escaped_str(cls, str_val):
        return cls.translate_str(str(str_val))

    @classmethod
    def translate_none(cls, val):
        return '""'

    @classmethod
    def translate_bool(cls, val):
        return "on" if val else "off"

    @classmethod
    def translate_float(cls, val):
        if val != val or val in (float("inf"), float("-inf")):
            raise ValueError(f"R-DC decimals are finite, got {val}")
        return repr(float(val))

    @classmethod
    def comment(cls, cmt_str):
        return f"# {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        if not _IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not an R-DC variable name (letters, digits and _, not starting with a digit)")
        return f"let {name} = {str_val}"

    @classmethod
    def inspect(cls, parameters_cell):
        """The ``let`` lines of the parameters cell, for ``papermill --help-notebook``."""
        parameters = []
        for line in parameters_cell.source.splitlines():
            match = _LET.match(line)
            if not match:
                continue
            name, value, help_text = match.groups()
            if value in ("on", "off"):
                kind = "bool"
            elif re.fullmatch(r"[+-]?\d+", value):
                kind = "int"
            elif re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", value):
                kind = "float"
            else:
                kind = "str"
            parameters.append(Parameter(name=name, inferred_type_name=kind, default=value, help=help_text or ""))
        return parameters


class RDCEngine(NBClientEngine):
    """papermill's nbclient engine under the name ``rdc``; it exists so papermill loads this
    module (and so the translator) when it starts."""


papermill_translators.register("rdc", RDCTranslator)
