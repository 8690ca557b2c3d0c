# The admin interface.
