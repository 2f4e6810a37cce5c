"""Names and arities of the builtin (special) predicates."""
from __future__ import annotations

FILTERS = {"eq", "neq", "lt", "leq", "gt", "geq", "next", "alldiff", "maxcard", "_in", "in",
           "anypred", "true", "false"}
GENERATORS = {"add", "sub", "mod", "mul"}
EVAL_BUILTINS = {"add_eval", "sub_eval", "mul_eval", "div_eval", "mod_eval", "max_eval", "min_eval"}
BUILTINS = FILTERS | GENERATORS | EVAL_BUILTINS
