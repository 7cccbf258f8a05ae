raise SystemExit("kale step runtime: being written")
