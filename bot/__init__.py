"""bloodpatch-bot: answers questions about the epidural blood patch and spinal headache."""

__version__ = "0.1.0"
