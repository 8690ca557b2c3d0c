# admin-operator
