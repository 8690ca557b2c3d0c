# Het beheer: in- en uitloggen, wachtwoorden, tweestapsverificatie, sessies, accounts en instellingen.

login-title = Inloggen
login-user = Gebruikersnaam
login-password = Wachtwoord
login-forgot = Wachtwoord vergeten?
