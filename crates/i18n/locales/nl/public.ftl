# The public site: theme, forms, search.
