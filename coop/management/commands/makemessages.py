"""makemessages that also extracts the compliance report's plural helper, `_counted(singular,
plural, count)`, which xgettext would otherwise miss (and --no-obsolete would then drop)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_counted:1,2"]
