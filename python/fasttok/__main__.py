"""``python -m fasttok`` runs the CLI."""

import sys

from fasttok.cli import main

sys.exit(main())
