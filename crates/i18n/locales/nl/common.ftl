# Woorden die de publieke site en het beheer delen.

files-count = { $count ->
    [one] { $count } bestand
   *[other] { $count } bestanden
}
