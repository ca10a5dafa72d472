"""The demo campaign: a realistic year of a county's key-project campaign, generated
from a seed and pushed through the real HTTP API (office registration, signed ingest)
as the leading-group office and an approval system would."""
