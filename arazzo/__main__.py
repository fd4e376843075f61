import sys

from arazzo.cli import main

sys.exit(main())
