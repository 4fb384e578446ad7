"""Web pages of `chain`, one module per sub-domain: buyers, contracts, shipments (with
allocation and the status steps), traceability (trace page, CSV, a family's shipments)
and the market position. `chain.urls` imports the modules directly.

Every page lives under /c/<slug>/ and resolves the co-op with `coop.views.base`'s
`CooperativeMixin`: another co-op's rows answer 404, writing needs MANAGE (403 for
staff and auditors, who read everything). Reads go through `chain.views.reads` and
`chain.selectors`; every write is one `chain.services` call.
"""
