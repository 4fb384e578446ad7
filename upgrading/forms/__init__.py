"""Forms of the `upgrading` pages, one module per area (`upgrading.forms.premium`, ...)."""
