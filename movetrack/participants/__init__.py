"""People in a placement: their details and the modules assigned to them."""
