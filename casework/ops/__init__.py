"""Operations on a whole instance: encrypted backups of its database and their restore."""
