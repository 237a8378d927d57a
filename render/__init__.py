"""What the bot renders: report texts, charts, workbooks, printables. Called by the jobs and
the surfaces alike; the heavy files are made off the event loop (render/offload.py)."""
