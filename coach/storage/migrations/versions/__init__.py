"""The revisions, one file each, oldest first by id (a package, so that it is installed with the code)."""
