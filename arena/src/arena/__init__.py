"""The arena command: start, test and measure the three implementations side by side."""
