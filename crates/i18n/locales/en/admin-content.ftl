# admin-content

content-saved-scheduled = Saved. Scheduled: visitors see it from { $when }.
