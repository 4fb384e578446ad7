"""API serializers of `upgrading`, one module per area (`upgrading.serializers.premium`, ...)."""
