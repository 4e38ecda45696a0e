print("inwardd: not yet wired")
