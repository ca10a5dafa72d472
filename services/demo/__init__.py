"""The demo campaign: an invented but ordinary county's key-project year (`county.py`),
generated from a seed (`campaign.py`), and loaded either in this process on a simulated
clock, each event recorded when it reached the office (`simulated.py`, source
``demo-simulated``), or through a server's real HTTP API as the office and an approval
system would (`push.py`). `runner.py` chooses."""
