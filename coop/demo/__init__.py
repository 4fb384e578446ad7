"""Demo data: the two reference co-operatives of the design, loaded by `manage.py seed_demo`.

`places` says where they work and what they make, `people` makes up their families,
`control` their internal inspections and certificates, `production` their deliveries and
batches (all deterministically); `seed` writes everything through the services.
"""
