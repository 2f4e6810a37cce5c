"""`python -m lrnn train ...`: the same as the `lrnn` command."""
import sys

from .cli import main

sys.exit(main())
