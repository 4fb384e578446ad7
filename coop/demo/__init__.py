"""Demo data: the two reference co-operatives of the design, loaded by `manage.py seed_demo`.

`places` says where they work, `people` makes up their families (deterministically),
`seed` writes everything through the services. Later features add a step to `seed`.
"""
