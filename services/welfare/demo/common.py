"""What the parts of welfare's demo share."""

#: Who the demo acts as.
BY = "demo"
