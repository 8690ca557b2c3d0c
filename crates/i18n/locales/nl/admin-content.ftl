# admin-content

content-saved-scheduled = Opgeslagen. Gepland: bezoekers zien het vanaf { $when }.
