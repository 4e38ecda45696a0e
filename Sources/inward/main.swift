print("inward: not yet written")
