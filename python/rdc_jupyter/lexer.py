# Layer: Python tooling. A Pygments lexer for the .rdc command language; pure regular expressions, no I/O.
"""Pygments lexer for the R-DC command language.

One command per line (``command [positional] key=value ...``), ``#`` comments, a trailing
``\\`` continues a line, ``let NAME = VALUE`` defines a variable and ``$NAME`` or ``${NAME}``
uses one. The lexer does not list the command names (the kernel's registry is the one place
they are declared): the first word of a line is the command, whatever it is.
"""

from pygments.lexer import RegexLexer, bygroups
from pygments.token import (Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Text,
                            Whitespace)

__all__ = ["RDCLexer"]

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_VARIABLE = r"\$\{" + _IDENTIFIER + r"\}|\$" + _IDENTIFIER
# A value ends at a blank, a quote or a comment; a number must be the whole value.
_END = r"(?=[\s#]|$)"


class RDCLexer(RegexLexer):
    """Highlights .rdc programs: commands as keywords, ``key=`` as attributes, numbers,
    ``on``/``off`` as constants, quoted strings, variables and comments."""

    name = "R-DC"
    aliases = ["rdc"]
    filenames = ["*.rdc"]
    mimetypes = ["text/x-rdc"]
    url = "https://arxiv.org/abs/2503.03733"

    tokens = {
        # The start of a logical line: blanks, comments, or the command word.
        "root": [
            (r"\n", Whitespace),
            (r"[^\S\n]+", Whitespace),
            (r"#.*$", Comment.Single),
            (r"(let)(\s+)(" + _IDENTIFIER + r")([^\S\n]*)(=)",
             bygroups(Keyword.Declaration, Whitespace, Name.Variable, Whitespace, Operator), "arguments"),
            (r"(let)" + _END, Keyword.Declaration, "arguments"),
            (r"(\?)([A-Za-z][\w-]*)", bygroups(Operator, Keyword), "arguments"),
            (r"([A-Za-z][\w-]*)(\?)" + _END, bygroups(Keyword, Operator), "arguments"),
            (r"[A-Za-z][\w-]*" + _END, Keyword, "arguments"),
            (r"[^\s#]+", Error, "arguments"),
        ],
        # The words after the command, up to the end of the logical line.
        "arguments": [
            (r"(\\)([^\S\n]*)((?:#.*)?)(\n)", bygroups(Punctuation, Whitespace, Comment.Single, Whitespace)),
            (r"\n", Whitespace, "#pop"),
            (r"[^\S\n]+", Whitespace),
            (r"#.*$", Comment.Single),
            (r"([A-Za-z_][\w-]*)(=)", bygroups(Name.Attribute, Operator)),
            (r"=", Operator),
            (r'"', String.Double, "string"),
            (_VARIABLE, Name.Variable),
            (r"(on|off)" + _END, Keyword.Constant),
            (r"\d+x\d+x\d+" + _END, Number.Integer),
            (r"[+-]?\d+" + _END, Number.Integer),
            (r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?" + _END, Number.Float),
            (r"[^\s\"#$=]+", Name),
            (r"\$", Text),
        ],
        # Inside double quotes: `\"` and `\\` are escapes; `$` is literal; ends at the line's end.
        "string": [
            (r'\\[\\"]', String.Escape),
            (r'"', String.Double, "#pop"),
            (r'[^"\\\n]+', String.Double),
            (r"\\", String.Double),
            (r"\n", Error, "#pop:2"),
        ],
    }
