print("inward-bench: not yet written")
