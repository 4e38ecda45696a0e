print("inwardd: not yet written")
