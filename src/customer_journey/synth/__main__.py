"""`python -m customer_journey.synth`: the same as `cj synth`."""

from customer_journey.synth.cli import main

raise SystemExit(main())
