# Words shared by the public site and the admin.

files-count = { $count ->
    [one] { $count } file
   *[other] { $count } files
}
