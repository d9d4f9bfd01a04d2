"""`python -m mercado_operator` runs the operator."""

import sys

from mercado_operator.main import main

sys.exit(main())
