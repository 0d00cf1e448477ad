"""Synthetic customer-journey generator: writes the raw tables as Parquet.

    cj synth --customers 3000 --days 120 --seed 42 --out data/sample
    cj synth --append-days 1 --out data/sample

The world is driven by latent state drawn once per entity from the seed
(persona, first visit, sign-up, first purchase, churn time, information-gap
exposures, devices: `latent`), so `--append-days` continues the same customers'
timelines. Each window of days is generated in customer chunks (`chunk`:
sessions and events in `journeys`, then `orders`, `feedback`, `marketing`) with a
random state seeded by (seed, chunk, window start): the same arguments give
byte-identical tables. Rows whose time falls after the window end (reviews of
recent orders, campaign outcomes, late-arriving events) wait in `_pending/`
and are written by the next `--append-days` (`spool`).

`_truth/` beside the raw folders holds the ground truth (`personas`: personas,
true churn parameters, gap-caused drop-offs, true uplifts; `dirt`: every
injected dirty row; `truth` writes them). The dbt models never read it.
"""

from customer_journey.synth.cli import main
from customer_journey.synth.config import SynthConfig, load_manifest
from customer_journey.synth.dirt import DIRT_KINDS
from customer_journey.synth.generate import generate
from customer_journey.synth.schemas import RAW_TABLES, SCHEMAS

__all__ = ["DIRT_KINDS", "RAW_TABLES", "SCHEMAS", "SynthConfig", "generate", "load_manifest", "main"]
