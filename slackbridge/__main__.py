import sys

from slackbridge.cli import main

sys.exit(main())
