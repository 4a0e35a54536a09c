"""The case worker's view: their own orders, and what consent lets them see."""
