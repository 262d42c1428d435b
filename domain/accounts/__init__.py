"""User accounts: who may call Dixian, with which role and area (``accounts``), and their commands (``commands``)."""
